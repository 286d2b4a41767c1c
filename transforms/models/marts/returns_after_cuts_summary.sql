-- grain: one row per (small_ticker, large_ticker, horizon_sessions)
-- across easing cycles whose start is proven by a hike before it (history_complete) and whose
-- horizon has both prices; a tie (small_minus_large = 0) is not a win
with returns as (
    select * from {{ ref('pair_returns_after_cuts') }}
    where history_complete and small_minus_large is not null
),

pairs as (
    select * from {{ ref('int_return_pairs') }}
),

horizons as (
    select distinct horizon_sessions from {{ ref('int_cut_horizons') }}
),

summary as (
    select
        small_ticker,
        large_ticker,
        horizon_sessions,
        count(*) as cycles,
        min(cycle_start) as first_cycle_start,
        max(cycle_start) as last_cycle_start,
        avg(small_minus_large) as mean_small_minus_large,
        median(small_minus_large) as median_small_minus_large,
        avg((small_minus_large > 0)::integer) as share_small_beat_large
    from returns
    group by all
),

final as (
    select
        pairs.small_ticker,
        pairs.large_ticker,
        pairs.pair_kind,
        horizons.horizon_sessions,
        coalesce(summary.cycles, 0) as cycles,
        summary.first_cycle_start,
        summary.last_cycle_start,
        summary.mean_small_minus_large,
        summary.median_small_minus_large,
        summary.share_small_beat_large
    from pairs
    cross join horizons
    left join summary
        on summary.small_ticker = pairs.small_ticker
        and summary.large_ticker = pairs.large_ticker
        and summary.horizon_sessions = horizons.horizon_sessions
)

select * from final
