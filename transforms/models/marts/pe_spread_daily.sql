-- grain: one row per (date, small_ticker, large_ticker)
-- trailing P/E only; the z-score needs 20 of the trailing 252 snapshots, else it is null
with pairs as (
    select * from {{ source('core', 'spread_pairs') }}
),

snapshots as (
    select * from {{ ref('stg_fund_snapshots') }}
    where trailing_pe > 0
),

joined as (
    select
        small.date,
        pairs.small_ticker,
        pairs.large_ticker,
        small.trailing_pe as small_pe,
        large.trailing_pe as large_pe
    from pairs
    inner join snapshots as small on small.ticker = pairs.small_ticker
    inner join snapshots as large
        on large.ticker = pairs.large_ticker and large.date = small.date
),

spread as (
    select
        *,
        large_pe - small_pe as pe_spread,
        1 - small_pe / large_pe as discount_pct
    from joined
),

final as (
    select
        *,
        count(discount_pct) over last_252 as zscore_window_obs,
        case
            when count(discount_pct) over last_252 >= 20 and stddev_samp(discount_pct) over last_252 > 0
                then (discount_pct - avg(discount_pct) over last_252)
                    / stddev_samp(discount_pct) over last_252
        end as discount_zscore_252d
    from spread
    window last_252 as (
        partition by small_ticker, large_ticker order by date
        rows between 251 preceding and current row
    )
)

select * from final
