-- one row per successful dbt build of the marts: what it read, so the next build knows which
-- dates changed since (core rows whose loaded_at is later than loaded_through) and whether it
-- may build incrementally (same dbt project, same universe tables)
create table if not exists audit.mart_builds (
    run_id varchar not null,
    built_at timestamptz not null,
    -- 'full' (every mart rebuilt) or 'incremental' (daily-grain marts from since_date on)
    mode varchar not null,
    since_date date,
    reason varchar not null,
    loaded_through timestamptz,
    project_fingerprint varchar not null,
    config_fingerprint varchar not null
);
