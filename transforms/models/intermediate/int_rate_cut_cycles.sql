-- grain: one row per (cycle_start)
-- an easing cycle is a run of consecutive cuts with no hike in between, however long the pauses;
-- any other event (a hike, the start of the loaded history, a gap in it) ends a run, and only a
-- hike before the first cut proves that the cycle starts there
with events as (
    select * from {{ ref('int_target_events') }}
),

runs as (
    select
        *,
        sum((event <> 'cut')::integer) over (order by date) as run_number
    from events
),

openers as (
    select
        run_number,
        event as opened_by
    from runs
    where event <> 'cut'
),

cycles as (
    select
        run_number,
        min(date) as cycle_start,
        max(date) as last_cut,
        count(*) as cuts,
        round(sum(change) * 100) as total_change_bp,
        arg_min(upper_before, date) as upper_before,
        arg_max(upper_after, date) as upper_after
    from runs
    where event = 'cut'
    group by run_number
),

final as (
    select
        cycles.cycle_start,
        cycles.last_cut,
        cycles.cuts,
        cycles.total_change_bp,
        cycles.upper_before,
        cycles.upper_after,
        openers.opened_by = 'hike' as history_complete,
        cycles.last_cut = (select max(date) from events) as ongoing
    from cycles
    inner join openers on cycles.run_number = openers.run_number
)

select * from final
