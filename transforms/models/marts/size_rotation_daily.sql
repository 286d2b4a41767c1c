-- grain: one row per (date)
-- rotation into small caps: small-basket flows minus large-basket flows, in USD and as a share
-- of each basket's previous AUM (only funds with a flow estimate that day count)
with flows as (
    select * from {{ ref('int_etf_flows') }}
    where est_flow_usd is not null and basket in ('small', 'large')
),

baskets as (
    select
        date,
        sum(est_flow_usd) filter (where basket = 'small') as small_flow_usd,
        sum(est_flow_usd) filter (where basket = 'large') as large_flow_usd,
        sum(prev_aum) filter (where basket = 'small') as small_prev_aum,
        sum(prev_aum) filter (where basket = 'large') as large_prev_aum
    from flows
    group by date
),

final as (
    select
        date,
        small_flow_usd,
        large_flow_usd,
        small_flow_usd - large_flow_usd as rotation_usd,
        small_flow_usd / small_prev_aum as small_flow_pct_aum,
        large_flow_usd / large_prev_aum as large_flow_pct_aum,
        small_flow_usd / small_prev_aum - large_flow_usd / large_prev_aum as rotation_pct_aum
    from baskets
)

select * from final
