-- grain: one row per (small_ticker, large_ticker)
-- every pair whose returns are compared: the configured fund pairs and index pairs
with fund_pairs as (
    select * from {{ source('core', 'spread_pairs') }}
),

index_pairs as (
    select * from {{ source('core', 'index_pairs') }}
),

final as (
    select small_ticker, large_ticker, 'fund' as pair_kind from fund_pairs
    union all
    select small_ticker, large_ticker, 'index' as pair_kind from index_pairs
)

select * from final
