-- grain: one row per (cycle_start, horizon_sessions)
-- the sessions every return after a cut runs between: the last NYSE session strictly before
-- the cycle's first effective date, and the session horizon_sessions sessions after it
with cycles as (
    select * from {{ ref('int_rate_cut_cycles') }}
),

sessions as (
    select * from {{ ref('stg_nyse_sessions') }}
),

horizons as (
    select unnest([21, 63, 126, 252, 378, 504]) as horizon_sessions
),

bases as (
    select
        cycles.cycle_start,
        cycles.history_complete,
        max(sessions.session_number) as base_number
    from cycles
    inner join sessions on sessions.session_date < cycles.cycle_start
    group by all
),

final as (
    select
        bases.cycle_start,
        bases.history_complete,
        horizons.horizon_sessions,
        base.session_date as base_date,
        ending.session_date as end_date
    from bases
    cross join horizons
    inner join sessions as base on base.session_number = bases.base_number
    left join sessions as ending
        on ending.session_number = bases.base_number + horizons.horizon_sessions
)

select * from final
