-- grain: one row per (date, ticker)
-- flow_pct_aum is relative to the AUM the flow is measured from (never a division by zero);
-- rolling sums cover the last 5 and 20 sessions, not snapshots, so a missing day does not
-- stretch the window
with flows as (
    select * from {{ ref('int_etf_flows') }}
),

final as (
    select
        date,
        ticker,
        basket,
        aum,
        nav_price,
        est_flow_usd,
        est_flow_usd / nullif(base_aum, 0) as flow_pct_aum,
        flow_method,
        flow_quality,
        days_spanned,
        sum(est_flow_usd) over (
            partition by ticker order by session_number range between 4 preceding and current row
        ) as flow_5d_usd,
        sum(est_flow_usd) over (
            partition by ticker order by session_number range between 19 preceding and current row
        ) as flow_20d_usd
    from flows
)

select * from final
