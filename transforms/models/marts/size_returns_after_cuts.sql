-- grain: one row per (cycle_start, horizon_days)
-- equal-weighted adj_close returns of the small and large baskets between the same NYSE
-- sessions as mart.pair_returns_after_cuts; a fund without a price on either session is left out
-- of its basket's average (small_funds / large_funds say how many counted)
with horizons as (
    select * from {{ ref('int_cut_horizons') }}
),

funds as (
    select * from {{ source('core', 'universe_tickers') }}
    where basket in ('small', 'large')
),

prices as (
    select * from {{ ref('int_horizon_prices') }}
),

returns as (
    select
        horizons.cycle_start,
        horizons.horizon_sessions as horizon_days,
        funds.basket,
        ending.adj_close / base.adj_close - 1 as total_return
    from horizons
    cross join funds
    left join prices as base on base.ticker = funds.ticker and base.date = horizons.base_date
    left join prices as ending on ending.ticker = funds.ticker and ending.date = horizons.end_date
),

final as (
    select
        cycle_start,
        horizon_days,
        avg(total_return) filter (where basket = 'small') as small_return,
        avg(total_return) filter (where basket = 'large') as large_return,
        avg(total_return) filter (where basket = 'small')
            - avg(total_return) filter (where basket = 'large') as small_minus_large,
        count(total_return) filter (where basket = 'small') as small_funds,
        count(total_return) filter (where basket = 'large') as large_funds
    from returns
    group by cycle_start, horizon_days
)

select * from final
