-- grain: one row per (cycle_start, small_ticker, large_ticker, horizon_sessions)
-- each pair on its own (never a basket average): adj_close on the base and end sessions of the
-- NYSE calendar; a price missing on either session leaves that return NULL, never the next row
with horizons as (
    select * from {{ ref('int_cut_horizons') }}
),

pairs as (
    select * from {{ ref('int_return_pairs') }}
),

prices as (
    select * from {{ ref('int_horizon_prices') }}
),

returns as (
    select
        horizons.cycle_start,
        pairs.small_ticker,
        pairs.large_ticker,
        pairs.pair_kind,
        horizons.horizon_sessions,
        horizons.base_date,
        horizons.end_date,
        horizons.history_complete,
        small_end.adj_close / small_base.adj_close - 1 as small_return,
        large_end.adj_close / large_base.adj_close - 1 as large_return
    from horizons
    cross join pairs
    left join prices as small_base
        on small_base.ticker = pairs.small_ticker and small_base.date = horizons.base_date
    left join prices as small_end
        on small_end.ticker = pairs.small_ticker and small_end.date = horizons.end_date
    left join prices as large_base
        on large_base.ticker = pairs.large_ticker and large_base.date = horizons.base_date
    left join prices as large_end
        on large_end.ticker = pairs.large_ticker and large_end.date = horizons.end_date
),

final as (
    select
        *,
        small_return - large_return as small_minus_large
    from returns
)

select * from final
