-- grain: one row per (ticker, date)
-- the one price every return is computed from: adj_close (dividends and splits included);
-- a non-positive value cannot start or end a return and is left out like a missing bar
-- a table, not a view: the BI snapshot publishes it, and as a copy of the warehouse file it
-- then costs nothing, where a view was recomputed and stored again (7.5M rows at the large
-- benchmark, most of the publish); incremental (macros/incremental_since.sql): a row reads its
-- own bar only, so the days from the cut-off are rewritten and the older ones kept
{{ incremental_since(unique_key=none, since_column='date') }}
with prices as (
    select * from {{ source('core', 'prices_daily') }}
    where {{ since_filter('date') }}
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
