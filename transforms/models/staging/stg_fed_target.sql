-- grain: one row per (date)
-- the Fed funds target's upper bound as one series: the single target DFEDTAR until the FOMC
-- moved to a range (DFEDTAR ends 2008-12-15), the range's upper bound DFEDTARU from its first
-- day (2008-12-16); FRED's '.' days (NULL) are skipped
with rates as (
    select * from {{ source('core', 'rates_daily') }}
    where value is not null
),

final as (
    select
        date,
        value as target_upper,
        series_id
    from rates
    where (series_id = 'DFEDTAR' and date < date '2008-12-16')
        or (series_id = 'DFEDTARU' and date >= date '2008-12-16')
)

select * from final
