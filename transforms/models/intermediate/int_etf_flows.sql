-- grain: one row per (date, ticker)
-- estimated creations/redemptions: the AUM change not explained by the NAV return since the
-- previous snapshot (usually the previous trading day)
with snapshots as (
    select * from {{ ref('stg_fund_snapshots') }}
),

final as (
    select
        date,
        ticker,
        basket,
        aum,
        nav_price,
        lag(aum) over by_ticker as prev_aum,
        aum - lag(aum) over by_ticker * (nav_price / lag(nav_price) over by_ticker)
            as est_flow_usd
    from snapshots
    window by_ticker as (partition by ticker order by date)
)

select * from final
