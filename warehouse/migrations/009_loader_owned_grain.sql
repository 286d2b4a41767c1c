-- The loaded core tables drop their PRIMARY KEY; warehouse.loader owns the grain instead.
-- DuckDB keeps a key index (ART) for a PRIMARY KEY: every first load paid ~4x a plain
-- CREATE TABLE AS to build it, and every load of a large table paid to read it back into memory.
-- The loader inserts only keys a table lacks, refuses new or changed rows that repeat a key and
-- serialises loads into one file, so the grain still holds (tests/warehouse/test_loader.py).
-- DuckDB cannot drop a constraint: each table is rebuilt with the same columns, NOT NULLs and
-- defaults, its rows copied in stored order. Views over these tables bind by name at query time.

-- grain: one row per (ticker, date)
create table core.prices_daily_009 (
    ticker varchar not null,
    date date not null,
    open double,
    high double,
    low double,
    close double not null,
    adj_close double,
    volume bigint,
    dividends double not null default 0,
    stock_splits double not null default 0,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null
);
insert into core.prices_daily_009 select * from core.prices_daily;
drop table core.prices_daily;
alter table core.prices_daily_009 rename to prices_daily;

-- grain: one row per (ticker, asof_date)
create table core.fundamentals_daily_009 (
    ticker varchar not null,
    asof_date date not null,
    trailing_pe double,
    forward_pe double,
    price_to_book double,
    price_to_sales double,
    price_to_cashflow double,
    median_market_cap double,
    total_assets double,
    shares_outstanding double,
    nav_price double,
    dividend_yield double,
    earnings_growth_3y double,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null
);
insert into core.fundamentals_daily_009 select * from core.fundamentals_daily;
drop table core.fundamentals_daily;
alter table core.fundamentals_daily_009 rename to fundamentals_daily;

-- grain: one row per (ticker, asof_date, sector)
create table core.fund_sector_weights_009 (
    ticker varchar not null,
    asof_date date not null,
    sector varchar not null,
    weight double not null,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null
);
insert into core.fund_sector_weights_009 select * from core.fund_sector_weights;
drop table core.fund_sector_weights;
alter table core.fund_sector_weights_009 rename to fund_sector_weights;

-- grain: one row per (series_id, date)
create table core.rates_daily_009 (
    series_id varchar not null,
    date date not null,
    -- NULL where FRED publishes '.' (no observation that day)
    value double,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null
);
insert into core.rates_daily_009 select * from core.rates_daily;
drop table core.rates_daily;
alter table core.rates_daily_009 rename to rates_daily;
