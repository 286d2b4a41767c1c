-- grain: one row per (date, ticker)
-- flow_pct_aum is relative to the AUM the flow is measured from (never a division by zero);
-- rolling sums cover the last 5 and 20 sessions, not snapshots, so a missing day does not
-- stretch the window
-- incremental (macros/incremental_since.sql): look-back 19 sessions of flows, counted in the
-- warehouse's sessions as the sums count them (no bound in calendar days holds: the calendar
-- may have gaps): from the first session on or after the cut-off minus 19 (session_number rises
-- with the date). A flow's own base, the last usable snapshot of any age, is int_etf_flows'
{{ incremental_since(unique_key=['date', 'ticker'], since_column='date') }}
with flows as (
    select * from {{ ref('int_etf_flows') }}
    where {{ since_filter('date') }}
        or session_number >= (
            select min(session_number) - 19 from {{ ref('int_etf_flows') }}
            where {{ since_filter('date') }}
        )
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
where {{ since_filter('date') }}
