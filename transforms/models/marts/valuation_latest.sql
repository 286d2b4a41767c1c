-- grain: one row per (small_ticker, large_ticker)
-- each pair's latest P/E discount in the context of its own history: the z-score of the
-- trailing 252 snapshots (as in pe_spread_daily), the percentile among every snapshot loaded,
-- and the change since the last snapshot at least one year earlier (null with a shorter
-- history); forward P/E from the same day's fund snapshots, null where Yahoo gives none
with spread as (
    select * from {{ ref('pe_spread_daily') }}
),

forward as (
    select ticker, date, forward_pe from {{ ref('stg_fund_snapshots') }}
    where forward_pe > 0
),

ranked as (
    select
        *,
        percent_rank() over (
            partition by small_ticker, large_ticker order by discount_pct
        ) as discount_percentile,
        min(date) over (partition by small_ticker, large_ticker) as history_start,
        count(*) over (partition by small_ticker, large_ticker) as snapshots
    from spread
),

latest as (
    select *, date - interval 1 year as year_ago
    from ranked
    qualify row_number() over (partition by small_ticker, large_ticker order by date desc) = 1
),

with_year_ago as (
    select
        latest.*,
        year_ago_spread.date as year_ago_date,
        year_ago_spread.discount_pct as year_ago_discount_pct
    from latest
    asof left join spread as year_ago_spread
        on latest.small_ticker = year_ago_spread.small_ticker
        and latest.large_ticker = year_ago_spread.large_ticker
        and latest.year_ago >= year_ago_spread.date
),

final as (
    select
        with_year_ago.small_ticker,
        with_year_ago.large_ticker,
        with_year_ago.date,
        with_year_ago.small_pe,
        with_year_ago.large_pe,
        with_year_ago.discount_pct,
        with_year_ago.discount_zscore_252d,
        with_year_ago.discount_percentile,
        with_year_ago.discount_pct - with_year_ago.year_ago_discount_pct as discount_change_1y,
        with_year_ago.year_ago_date,
        small_forward.forward_pe as small_forward_pe,
        large_forward.forward_pe as large_forward_pe,
        1 - small_forward.forward_pe / large_forward.forward_pe as forward_discount_pct,
        with_year_ago.history_start,
        with_year_ago.snapshots
    from with_year_ago
    left join forward as small_forward
        on small_forward.ticker = with_year_ago.small_ticker
        and small_forward.date = with_year_ago.date
    left join forward as large_forward
        on large_forward.ticker = with_year_ago.large_ticker
        and large_forward.date = with_year_ago.date
)

select * from final
