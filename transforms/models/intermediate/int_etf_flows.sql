-- grain: one row per (date, ticker)
-- estimated creations/redemptions: the AUM change not explained by the NAV return since the
-- previous snapshot (usually the previous trading day)
with snapshots as (
    select * from staging.stg_fund_snapshots
),

previous as (
    select
        date,
        ticker,
        basket,
        aum,
        nav_price,
        lag(aum) over by_ticker as prev_aum,
        lag(nav_price) over by_ticker as prev_nav_price
    from snapshots
    window by_ticker as (partition by ticker order by date)
),

final as (
    select
        date,
        ticker,
        basket,
        aum,
        nav_price,
        prev_aum,
        aum - prev_aum * (nav_price / prev_nav_price) as est_flow_usd
    from previous
)

select * from final
