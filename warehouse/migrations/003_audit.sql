-- one row per run; parameters never hold secrets
create table if not exists audit.runs (
    run_id varchar primary key,
    flow varchar not null,
    source varchar not null,
    run_date date,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    message varchar,
    parameters json,
    code_version varchar,
    stage_seconds json
);

create table if not exists audit.run_datasets (
    run_id varchar not null,
    dataset varchar not null,
    rows_extracted bigint not null default 0,
    rows_loaded bigint not null default 0,
    rows_quarantined bigint not null default 0,
    keys_failed integer not null default 0,
    primary key (run_id, dataset)
);

create table if not exists audit.validations (
    run_id varchar not null,
    dataset varchar not null,
    suite varchar not null,
    expectation varchar not null,
    success boolean not null,
    unexpected_count bigint not null,
    validated_at timestamptz not null
);

create table if not exists audit.extract_failures (
    run_id varchar not null,
    dataset varchar not null,
    key varchar not null,
    error_class varchar not null,
    message varchar not null,
    failed_at timestamptz not null
);

create table if not exists audit.revisions (
    run_id varchar not null,
    dataset varchar not null,
    key varchar not null,
    date date not null,
    "column" varchar not null,
    old_value double,
    new_value double,
    revised_at timestamptz not null
);

-- which kind of data this warehouse holds ('sample' or 'live'); they never mix
create table if not exists audit.warehouse_info (
    name varchar primary key,
    value varchar not null
);
