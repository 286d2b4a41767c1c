-- grain: one row per (cycle_start)
-- Fed easing cycles found in the target range; bp are basis points of the upper bound
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
        last_cut - cycle_start as duration_days
    from cycles
)

select * from final
