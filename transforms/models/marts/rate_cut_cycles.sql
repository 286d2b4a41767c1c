-- grain: one row per (cycle_start)
-- Fed easing cycles found in the stitched target (DFEDTAR, then DFEDTARU's upper bound); bp are
-- basis points of the upper bound
with cycles as (
    select * from {{ ref('int_rate_cut_cycles') }}
),

final as (
    select
        cycle_start,
        last_cut,
        cuts,
        total_change_bp,
        upper_before,
        upper_after,
        last_cut - cycle_start as duration_days,
        history_complete,
        ongoing
    from cycles
)

select * from final
