-- grain: one row per (date, ticker)
-- flow_pct_aum is relative to the previous snapshot's AUM; rolling sums count snapshots, not days
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
        est_flow_usd / prev_aum as flow_pct_aum,
        sum(est_flow_usd) over (
            partition by ticker order by date rows between 4 preceding and current row
        ) as flow_5d_usd,
        sum(est_flow_usd) over (
            partition by ticker order by date rows between 19 preceding and current row
        ) as flow_20d_usd
    from flows
)

select * from final
