-- grain: one row per (date)
-- days on which the upper bound of the Fed funds target range changed;
-- DFEDTARU is dated by the effective day (the day after the FOMC announcement); FRED gaps skipped
with upper_bound as (
    select date, value from {{ source('core', 'rates_daily') }}
    where series_id = 'DFEDTARU' and value is not null
),

previous as (
    select
        date,
        lag(value) over (order by date) as upper_before,
        value as upper_after
    from upper_bound
),

final as (
    select
        date,
        upper_before,
        upper_after,
        upper_after - upper_before as change
    from previous
    where upper_after <> upper_before
)

select * from final
