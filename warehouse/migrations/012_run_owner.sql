-- which process runs a run, so the next run can tell a live run from one whose process was
-- killed outright (no hook ran, the row stayed 'running')
alter table audit.runs add column if not exists host varchar;
alter table audit.runs add column if not exists pid integer;
