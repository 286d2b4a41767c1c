-- grain: one row per (date)
-- rotation into small caps: small-basket flows minus large-basket flows, first as a share of
-- the AUM of the funds with a flow that day (comparable whichever funds Yahoo covered), then
-- in USD; the coverage columns say how many of each basket's configured funds that is
-- incremental (macros/incremental_since.sql): no look-back of its own: one day's flows per row
-- (int_etf_flows, a table of the whole history, carries the flows' own)
{{ incremental_since(unique_key=['date'], since_column='date') }}
with flows as (
    select * from {{ ref('int_etf_flows') }}
    where basket in ('small', 'large') and {{ since_filter('date') }}
),

configured as (
    select
        count(*) filter (where basket = 'small') as small_funds_in_basket,
        count(*) filter (where basket = 'large') as large_funds_in_basket
    from {{ source('core', 'universe_tickers') }}
),

baskets as (
    select
        date,
        sum(est_flow_usd) filter (where basket = 'small') as small_flow_usd,
        sum(est_flow_usd) filter (where basket = 'large') as large_flow_usd,
        sum(base_aum) filter (where basket = 'small' and est_flow_usd is not null) as small_base_aum,
        sum(base_aum) filter (where basket = 'large' and est_flow_usd is not null) as large_base_aum,
        count(est_flow_usd) filter (where basket = 'small') as small_funds_covered,
        count(est_flow_usd) filter (where basket = 'large') as large_funds_covered
    from flows
    group by date
),

final as (
    select
        baskets.date,
        baskets.small_flow_usd / baskets.small_base_aum
            - baskets.large_flow_usd / baskets.large_base_aum as rotation_pct_aum,
        baskets.small_flow_usd / baskets.small_base_aum as small_flow_pct_aum,
        baskets.large_flow_usd / baskets.large_base_aum as large_flow_pct_aum,
        baskets.small_funds_covered,
        configured.small_funds_in_basket,
        baskets.large_funds_covered,
        configured.large_funds_in_basket,
        baskets.small_flow_usd - baskets.large_flow_usd as rotation_usd,
        baskets.small_flow_usd,
        baskets.large_flow_usd
    from baskets
    cross join configured
)

select * from final
