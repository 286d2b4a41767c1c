-- grain: one row per (ticker, date)
-- the one price every return is computed from: adj_close (dividends and splits included);
-- a non-positive value cannot start or end a return and is left out like a missing bar
with prices as (
    select * from {{ source('core', 'prices_daily') }}
),

final as (
    select
        ticker,
        date,
        adj_close
    from prices
    where adj_close > 0
)

select * from final
