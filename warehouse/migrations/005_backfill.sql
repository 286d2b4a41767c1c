-- one row per (backfill, chunk, dataset) once that part is loaded; written in the load's own
-- transaction, so a killed backfill resumes exactly after its last committed chunk
create table if not exists audit.backfill_chunks (
    backfill_id varchar not null,
    chunk varchar not null,
    dataset varchar not null,
    -- 'done', or 'partial' when some keys failed to extract (a re-run retries those chunks)
    status varchar not null,
    rows bigint not null,
    run_id varchar not null,
    finished_at timestamptz not null,
    primary key (backfill_id, chunk, dataset)
);
