-- grain: one row per (date, ticker)
-- flow_pct_aum is relative to the AUM the flow is measured from (never a division by zero);
-- rolling sums cover the last 5 and 20 sessions, not snapshots, so a missing day does not
-- stretch the window
-- incremental (macros/incremental_since.sql): the flows are read whole (a flow measures from the
-- last usable snapshot, of any age, and the 20-session sums count the warehouse's sessions, not
-- calendar days: no bound in days holds), only the days from the cut-off are written
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['date', 'ticker'],
    on_schema_change='fail',
    pre_hook="{{ delete_since('date') }}",
) }}
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
where {{ since_filter('date') }}
