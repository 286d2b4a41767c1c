-- grain: one row per (date, small_ticker, large_ticker)
-- trailing P/E both sides on the same definition where both funds have it: the holdings'
-- P/E, else the quote's; a pair with no shared definition compares each fund's own P/E and the
-- *_pe_source columns say so. The z-score needs 20 of the trailing 252 snapshots, else null.
-- Forward P/E from the look-through (fund_valuation_daily), NULL with the reason in
-- forward_note when a fund's quotes or estimates cover less than the configured minimum
-- incremental (macros/incremental_since.sql): the z-score window is the trailing 252 snapshots of
-- a pair, not days (a pair with gaps reaches further back): the fund snapshots are read whole,
-- the look-through (forward P/E, same day only, not in the window) from the cut-off on, and
-- only the days from the cut-off are written
{{ incremental_since(unique_key=['date', 'small_ticker', 'large_ticker'], since_column='date') }}
with pairs as (
    select * from {{ source('core', 'spread_pairs') }}
),

snapshots as (
    select
        ticker,
        date,
        trailing_pe,
        trailing_pe_source,
        case when trailing_pe_source = 'holdings' then trailing_pe end as holdings_pe,
        coalesce(quote_trailing_pe, case when trailing_pe_source = 'quote' then trailing_pe end)
            as quote_pe
    from {{ ref('stg_fund_snapshots') }}
),

lookthrough as (
    select * from {{ ref('fund_valuation_daily') }}
    where {{ since_filter('asof_date') }}
),

joined as (
    select
        small.date,
        pairs.small_ticker,
        pairs.large_ticker,
        case
            when small.holdings_pe > 0 and large.holdings_pe > 0 then 'holdings'
            when small.quote_pe > 0 and large.quote_pe > 0 then 'quote'
        end as shared_source,
        small.trailing_pe as small_own_pe,
        small.trailing_pe_source as small_own_source,
        large.trailing_pe as large_own_pe,
        large.trailing_pe_source as large_own_source,
        small.holdings_pe as small_holdings_pe,
        large.holdings_pe as large_holdings_pe,
        small.quote_pe as small_quote_pe,
        large.quote_pe as large_quote_pe,
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
        date,
        small_ticker,
        large_ticker,
        small_pe,
        large_pe,
        small_pe_source,
        large_pe_source,
        large_pe - small_pe as pe_spread,
        1 - small_pe / large_pe as discount_pct,
        small_forward_pe,
        large_forward_pe,
        1 - small_forward_pe / large_forward_pe as forward_discount_pct,
        forward_note
    from (
        select
            *,
            case shared_source
                when 'holdings' then small_holdings_pe
                when 'quote' then small_quote_pe
                else small_own_pe
            end as small_pe,
            case shared_source
                when 'holdings' then large_holdings_pe
                when 'quote' then large_quote_pe
                else large_own_pe
            end as large_pe,
            coalesce(shared_source, small_own_source) as small_pe_source,
            coalesce(shared_source, large_own_source) as large_pe_source
        from joined
    )
    where small_pe > 0 and large_pe > 0
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
where {{ since_filter('date') }}
