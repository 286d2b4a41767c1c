-- grain: one row per (effective_date)
-- every change of the Fed funds target's upper bound in the loaded history; the move from the
-- single target (DFEDTAR, to 2008-12-15) to the range (DFEDTARU, from 2008-12-16) is the one
-- decision of 2008-12-16 (1.00 -> 0.25), not an end and a start
with events as (
    select * from {{ ref('int_target_events') }}
    where event in ('hike', 'cut')
),

final as (
    select
        date as effective_date,
        upper_before as old_target_upper,
        upper_after as new_target_upper,
        round(change * 100) as change_bp,
        series_id
    from events
)

select * from final
