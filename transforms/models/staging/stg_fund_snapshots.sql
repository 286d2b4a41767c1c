-- grain: one row per (ticker, date)
-- fund snapshots tagged with their basket; indexes have none, unknown tickers are dropped
with fundamentals as (
    select * from {{ source('core', 'fundamentals_daily') }}
),

baskets as (
    select * from {{ source('core', 'universe_tickers') }}
),

final as (
    select
        fundamentals.ticker,
        fundamentals.asof_date as date,
        baskets.basket,
        fundamentals.trailing_pe,
        fundamentals.trailing_pe_source,
        fundamentals.quote_trailing_pe,
        fundamentals.forward_pe,
        fundamentals.price_to_book,
        fundamentals.total_assets as aum,
        fundamentals.shares_outstanding,
        fundamentals.shares_outstanding_source,
        fundamentals.nav_price,
        fundamentals.earnings_growth_3y
    from fundamentals
    inner join baskets on fundamentals.ticker = baskets.ticker
)

select * from final
