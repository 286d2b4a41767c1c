-- grain: one row per (dataset, key)
{{ config(materialized='view') }}
-- how fresh each key is: its last loaded date, how many sessions it is behind the freshest
-- ticker (sessions = days with any price loaded; a pipeline that stopped altogether shows in
-- last_run_finished_at, not here), and the latest run that loaded its dataset: that run's
-- status and whether this key failed in it
with loaded as (
    select 'prices' as dataset, ticker as key, date, run_id, loaded_at
    from {{ source('core', 'prices_daily') }}
    union all
    select 'fundamentals', ticker, asof_date, run_id, loaded_at
    from {{ source('core', 'fundamentals_daily') }}
    union all
    select 'sector_weights', ticker, asof_date, run_id, loaded_at
    from {{ source('core', 'fund_sector_weights') }}
    union all
    select 'rates', series_id, date, run_id, loaded_at
    from {{ source('core', 'rates_daily') }}
),

per_key as (
    select
        dataset,
        key,
        min(date) as first_date,
        max(date) as last_date,
        count(*) as rows,
        max(loaded_at) as last_loaded_at
    from loaded
    group by dataset, key
),

sessions as (
    select distinct date from {{ source('core', 'prices_daily') }}
),

behind as (
    select
        per_key.dataset,
        per_key.key,
        count(sessions.date) as sessions_behind
    from per_key
    left join sessions on sessions.date > per_key.last_date
    group by per_key.dataset, per_key.key
),

last_runs as (
    select
        run_datasets.dataset,
        runs.run_id,
        runs.status,
        runs.finished_at
    from {{ source('audit', 'run_datasets') }} as run_datasets
    inner join {{ source('audit', 'runs') }} as runs on runs.run_id = run_datasets.run_id
    qualify row_number() over (
        partition by run_datasets.dataset order by runs.started_at desc
    ) = 1
),

final as (
    select
        per_key.dataset,
        per_key.key,
        per_key.first_date,
        per_key.last_date,
        per_key.rows,
        behind.sessions_behind,
        per_key.last_loaded_at,
        last_runs.run_id as last_run_id,
        last_runs.status as last_run_status,
        last_runs.finished_at as last_run_finished_at,
        exists (
            select 1 from {{ source('audit', 'extract_failures') }} as failures
            where failures.run_id = last_runs.run_id
                and failures.dataset = per_key.dataset
                and failures.key in (per_key.key, '*')
        ) as failed_in_last_run
    from per_key
    inner join behind using (dataset, key)
    left join last_runs on last_runs.dataset = per_key.dataset
)

select * from final
