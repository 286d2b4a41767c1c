-- grain: one row per (cycle_start, horizon_days)
-- equal-weighted adj_close returns of the small and large baskets from the last session before
-- a cycle's first cut to the horizon_days-th session after it; null until that session exists
with cycles as (
    select cycle_start from {{ ref('int_rate_cut_cycles') }}
),

prices as (
    select
        prices.ticker,
        baskets.basket,
        prices.date,
        prices.adj_close,
        row_number() over (partition by prices.ticker order by prices.date) as session_number
    from {{ source('core', 'prices_daily') }} as prices
    inner join {{ source('core', 'universe_tickers') }} as baskets on prices.ticker = baskets.ticker
    where baskets.basket in ('small', 'large') and prices.adj_close > 0
),

horizons as (
    select unnest([21, 63, 126, 252]) as horizon_days
),

base as (
    select
        cycles.cycle_start,
        prices.ticker,
        prices.basket,
        max(prices.session_number) as base_session
    from cycles
    inner join prices on prices.date < cycles.cycle_start
    group by all
),

returns as (
    select
        base.cycle_start,
        base.basket,
        base.ticker,
        horizons.horizon_days,
        ahead.adj_close / start.adj_close - 1 as total_return
    from base
    cross join horizons
    inner join prices as start
        on start.ticker = base.ticker and start.session_number = base.base_session
    left join prices as ahead
        on ahead.ticker = base.ticker
        and ahead.session_number = base.base_session + horizons.horizon_days
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
