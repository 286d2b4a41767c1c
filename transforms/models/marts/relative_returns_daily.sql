-- grain: one row per (date, small_ticker, large_ticker)
-- small minus large total return (adj_close) over the last 21 / 63 / 126 / 252 NYSE sessions
-- (about 1 / 3 / 6 / 12 months) and since the previous year's last session; lags count
-- calendar sessions, so a missing bar makes the returns that need it NULL instead of
-- stretching the window
-- incremental (macros/incremental_since.sql): look-back 400 calendar days of prices: the
-- 252-session lag spans at most ~367 days (252 sessions, weekends, ~10 holidays) and the YTD base,
-- the previous year's last session, at most 366
{{ incremental_since(unique_key=['date', 'small_ticker', 'large_ticker'], since_column='date') }}
with pairs as (
    select * from {{ ref('int_return_pairs') }}
),

sessions as (
    select * from {{ ref('stg_nyse_sessions') }}
),

-- the pairs' own prices only (the joins below read no other ticker)
prices as (
    select * from {{ ref('stg_adj_closes') }}
    where {{ since_filter('date', 400) }}
        and ticker in (select small_ticker from pairs union select large_ticker from pairs)
),

spans as (
    select
        pairs.small_ticker,
        pairs.large_ticker,
        min(prices.date) as first_date,
        max(prices.date) as last_date
    from pairs
    inner join prices on prices.ticker in (pairs.small_ticker, pairs.large_ticker)
    group by all
),

grid as (
    select
        spans.small_ticker,
        spans.large_ticker,
        sessions.session_date as date,
        small.adj_close as small_px,
        large.adj_close as large_px
    from spans
    inner join sessions on sessions.session_date between spans.first_date and spans.last_date
    left join prices as small
        on small.ticker = spans.small_ticker and small.date = sessions.session_date
    left join prices as large
        on large.ticker = spans.large_ticker and large.date = sessions.session_date
),

year_ends as (
    select
        small_ticker,
        large_ticker,
        year(date) + 1 as year,
        small_px,
        large_px
    from grid
    qualify row_number() over (
        partition by small_ticker, large_ticker, year(date) order by date desc
    ) = 1
),

final as (
    select
        grid.date,
        grid.small_ticker,
        grid.large_ticker,
        grid.small_ticker || ' vs ' || grid.large_ticker as pair,
        grid.small_px / lag(grid.small_px, 21) over w
            - grid.large_px / lag(grid.large_px, 21) over w as small_minus_large_1m,
        grid.small_px / lag(grid.small_px, 63) over w
            - grid.large_px / lag(grid.large_px, 63) over w as small_minus_large_3m,
        grid.small_px / lag(grid.small_px, 126) over w
            - grid.large_px / lag(grid.large_px, 126) over w as small_minus_large_6m,
        grid.small_px / lag(grid.small_px, 252) over w
            - grid.large_px / lag(grid.large_px, 252) over w as small_minus_large_12m,
        grid.small_px / year_ends.small_px
            - grid.large_px / year_ends.large_px as small_minus_large_ytd
    from grid
    left join year_ends
        on year_ends.small_ticker = grid.small_ticker
        and year_ends.large_ticker = grid.large_ticker
        and year_ends.year = year(grid.date)
    window w as (partition by grid.small_ticker, grid.large_ticker order by grid.date)
    qualify grid.small_px is not null and grid.large_px is not null
)

select * from final
where {{ since_filter('date') }}
