-- validated facts, one primary key per grain; loaded_at is when the current value arrived
create table if not exists core.prices_daily (
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
    loaded_at timestamptz not null,
    primary key (ticker, date)
);

create table if not exists core.fundamentals_daily (
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
    loaded_at timestamptz not null,
    primary key (ticker, asof_date)
);

create table if not exists core.fund_sector_weights (
    ticker varchar not null,
    asof_date date not null,
    sector varchar not null,
    weight double not null,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    primary key (ticker, asof_date, sector)
);

create table if not exists core.rates_daily (
    series_id varchar not null,
    date date not null,
    -- NULL where FRED publishes '.' (no observation that day)
    value double,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    primary key (series_id, date)
);

create table if not exists core.series_meta (
    series_id varchar primary key,
    title varchar,
    units varchar,
    frequency varchar,
    last_updated varchar,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null
);

-- the configured universe, refreshed every run so SQL models know baskets and pairs
create table if not exists core.universe_tickers (
    ticker varchar primary key,
    basket varchar not null
);

create table if not exists core.spread_pairs (
    small_ticker varchar not null,
    large_ticker varchar not null,
    primary key (small_ticker, large_ticker)
);
