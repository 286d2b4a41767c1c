-- grain: one row per (date, small_ticker, large_ticker)
-- trailing P/E from the fund snapshots; the z-score needs 20 of the trailing 252 snapshots,
-- else it is null. Forward P/E from the look-through (fund_valuation_daily), NULL with the
-- reason when a fund's quotes or estimates cover less than the configured minimum
with pairs as (
    select * from {{ source('core', 'spread_pairs') }}
),

snapshots as (
    select * from {{ ref('stg_fund_snapshots') }}
    where trailing_pe > 0
),

lookthrough as (
    select * from {{ ref('fund_valuation_daily') }}
),

joined as (
    select
        small.date,
        pairs.small_ticker,
        pairs.large_ticker,
        small.trailing_pe as small_pe,
        large.trailing_pe as large_pe,
        small_lt.forward_pe as small_forward_pe,
        large_lt.forward_pe as large_forward_pe,
        nullif(concat_ws('; ',
            case when small_lt.forward_pe is null
                then pairs.small_ticker || ': ' || coalesce(small_lt.note, 'no holdings or quotes that day')
            end,
            case when large_lt.forward_pe is null
                then pairs.large_ticker || ': ' || coalesce(large_lt.note, 'no holdings or quotes that day')
            end
        ), '') as forward_note
    from pairs
    inner join snapshots as small on small.ticker = pairs.small_ticker
    inner join snapshots as large
        on large.ticker = pairs.large_ticker and large.date = small.date
    left join lookthrough as small_lt
        on small_lt.fund = pairs.small_ticker and small_lt.asof_date = small.date
    left join lookthrough as large_lt
        on large_lt.fund = pairs.large_ticker and large_lt.asof_date = small.date
),

spread as (
    select
        *,
        large_pe - small_pe as pe_spread,
        1 - small_pe / large_pe as discount_pct,
        1 - small_forward_pe / large_forward_pe as forward_discount_pct
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
