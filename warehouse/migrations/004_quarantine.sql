-- rows that failed validation, as extracted (no natural key: duplicates are what some of them are)
create sequence if not exists quarantine.row_id_seq;

create table if not exists quarantine.prices (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    ticker varchar, date date, open double, high double, low double, close double,
    adj_close double, volume bigint, dividends double, stock_splits double, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);

create table if not exists quarantine.fundamentals (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    ticker varchar, asof_date date, trailing_pe double, forward_pe double, price_to_book double,
    price_to_sales double, price_to_cashflow double, median_market_cap double,
    total_assets double, shares_outstanding double, nav_price double, dividend_yield double,
    earnings_growth_3y double, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);

create table if not exists quarantine.sector_weights (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    ticker varchar, asof_date date, sector varchar, weight double, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);

create table if not exists quarantine.rates (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    series_id varchar, date date, value double, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);
