-- P/E provenance: which definition trailing_pe holds ('holdings' or 'quote'), and the quote's
-- own trailingPE beside it so a small/large pair can compare like with like
alter table core.fundamentals_daily add column if not exists trailing_pe_source varchar;
alter table core.fundamentals_daily add column if not exists quote_trailing_pe double;
alter table quarantine.fundamentals add column if not exists trailing_pe_source varchar;
alter table quarantine.fundamentals add column if not exists quote_trailing_pe double;

-- 30-day Fed funds futures closes; contract_month is the first day of the month the contract
-- prices (price = 100 - the expected average effective Fed funds rate in that month)
create table if not exists core.futures_daily (
    symbol varchar not null,
    date date not null,
    close double not null,
    contract_month date not null,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    primary key (symbol, date)
);

create table if not exists quarantine.futures (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    symbol varchar, date date, close double, contract_month date, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);
