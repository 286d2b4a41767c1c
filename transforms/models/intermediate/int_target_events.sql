-- grain: one row per (date)
-- what the loaded target history shows: where it starts, where it resumes after a gap, and every
-- change. FRED publishes both targets every calendar day, so consecutive observations more than
-- 7 days apart mean history is missing there: a level change across such a gap is not a decision
-- (the decisions inside it are unknown), and the next change has no known direction before it
with target as (
    select * from {{ ref('stg_fed_target') }}
),

steps as (
    select
        date,
        series_id,
        lag(date) over by_date as previous_date,
        lag(target_upper) over by_date as upper_before,
        target_upper as upper_after
    from target
    window by_date as (order by date)
),

final as (
    select
        date,
        series_id,
        upper_before,
        upper_after,
        upper_after - upper_before as change,
        case
            when previous_date is null then 'history_start'
            when date - previous_date > 7 then 'gap'
            when upper_after > upper_before then 'hike'
            else 'cut'
        end as event
    from steps
    where previous_date is null
        or date - previous_date > 7
        or upper_after <> upper_before
)

select * from final
