-- look-through: each fund's holdings, a quote per constituent, and the configuration the marts
-- read (mirrored from the universe file every run, like core.spread_pairs)
create table if not exists core.fund_holdings (
    fund varchar not null,
    asof_date date not null,
    -- as the issuer writes it ('BRKB', '-' for unlisted lines)
    holding_ticker varchar not null,
    name varchar not null,
    sector varchar,
    -- 'Equity', 'Cash', 'Money Market', 'Futures', ...: only 'Equity' enters aggregates
    asset_class varchar not null,
    market_value double,
    -- fraction of the fund's net assets (0.0106 = 1.06 %)
    weight double,
    shares double,
    price double,
    -- NULL when the holding cannot be mapped to a Yahoo symbol
    yahoo_ticker varchar,
    -- true when only the top holdings are known (Yahoo's top 10)
    partial boolean not null,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    primary key (fund, asof_date, holding_ticker, name)
);

create table if not exists core.constituent_quotes (
    ticker varchar not null,
    asof_date date not null,
    price double not null,
    market_cap double,
    shares_outstanding double,
    eps_trailing double,
    eps_forward double,
    eps_current_year double,
    trailing_pe double,
    forward_pe double,
    currency varchar,
    source varchar not null,
    run_id varchar not null,
    loaded_at timestamptz not null,
    primary key (ticker, asof_date)
);

create table if not exists core.lookthrough_config (
    min_coverage double not null
);

create table if not exists core.megacaps (
    ticker varchar primary key
);

-- who gave shares_outstanding when it was not the row's source: the issuer's file
-- (e.g. 'ishares') wins over Yahoo's lagging number; NULL = the row's source
alter table core.fundamentals_daily add column if not exists shares_outstanding_source varchar;

create table if not exists quarantine.holdings (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    fund varchar, asof_date date, holding_ticker varchar, name varchar, sector varchar,
    asset_class varchar, market_value double, weight double, shares double, price double,
    yahoo_ticker varchar, partial boolean, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);

create table if not exists quarantine.constituent_quotes (
    quarantine_id bigint primary key default nextval('quarantine.row_id_seq'),
    ticker varchar, asof_date date, price double, market_cap double, shares_outstanding double,
    eps_trailing double, eps_forward double, eps_current_year double, trailing_pe double,
    forward_pe double, currency varchar, source varchar,
    reason varchar not null, run_id varchar not null, quarantined_at timestamptz not null
);
