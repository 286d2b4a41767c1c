-- FRED's own range of each series: a series whose observation_end lies long in the past is
-- discontinued (DFEDTAR ends 2008-12-15) and is not fetched again once loaded through it
alter table core.series_meta add column if not exists observation_start date;
alter table core.series_meta add column if not exists observation_end date;

-- index pairs ([small index, large index]) whose returns after rate cuts reach back before the
-- funds existed; refreshed every run from the universe file like core.spread_pairs
create table if not exists core.index_pairs (
    small_ticker varchar not null,
    large_ticker varchar not null,
    primary key (small_ticker, large_ticker)
);
