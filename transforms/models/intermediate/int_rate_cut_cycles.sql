-- grain: one row per (cycle_start)
-- an easing cycle is a run of consecutive cuts with no hike in between, however long the pauses
with changes as (
    select * from {{ ref('int_target_changes') }}
),

directions as (
    select
        *,
        sign(change) as direction,
        sign(change) is distinct from lag(sign(change)) over (order by date) as turns
    from changes
),

runs as (
    select
        *,
        sum(turns::integer) over (order by date) as run_number
    from directions
),

final as (
    select
        min(date) as cycle_start,
        max(date) as last_cut,
        count(*) as cuts,
        round(sum(change) * 100) as total_change_bp,
        arg_min(upper_before, date) as upper_before,
        arg_max(upper_after, date) as upper_after
    from runs
    where direction < 0
    group by run_number
)

select * from final
