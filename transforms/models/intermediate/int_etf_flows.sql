-- grain: one row per (date, ticker)
-- estimated creations/redemptions between two usable snapshots of a fund (positive NAV,
-- positive AUM that is not a stale repeat). An unusable snapshot gets no flow; the next usable
-- one measures from the last usable one, so each flow is counted once however long Yahoo left
-- a value stale or missing
-- a table, not a view: its split spans read the prices, two marts and six tests read it, and
-- the BI snapshot publishes it; as a view each of them computed it again
{{ config(materialized='table') }}
with checked as (
    select
        *,
        coalesce(nav_price > 0 and aum > 0 and not is_stale_aum, false) as is_usable,
        sum(is_stale_aum::integer) over by_ticker as stale_so_far
    from {{ ref('int_fund_snapshots_checked') }}
    window by_ticker as (partition by ticker order by date)
),

chained as (
    select
        ticker,
        date,
        aum,
        nav_price,
        shares_outstanding,
        is_shares_current,
        lag(date) over by_ticker as base_date,
        lag(aum) over by_ticker as base_aum,
        lag(nav_price) over by_ticker as base_nav,
        lag(shares_outstanding) over by_ticker as base_shares,
        lag(is_shares_current) over by_ticker as base_shares_current,
        session_number - lag(session_number) over by_ticker as days_spanned,
        stale_so_far > lag(stale_so_far) over by_ticker as spans_stale_aum
    from checked
    where is_usable
    window by_ticker as (partition by ticker order by date)
),

-- a split counts only when the NAV per share moved by its ratio (Yahoo may lag it); then the
-- NAV return and the share count are compared split-adjusted
measured as (
    select
        chained.*,
        spans.split_ratio,
        case
            when abs(ln(chained.nav_price * spans.split_ratio / chained.base_nav))
                < abs(ln(chained.nav_price / chained.base_nav))
                then spans.split_ratio
            else 1.0
        end as split_factor,
        case
            when chained.is_shares_current and chained.base_shares_current then 'shares'
            else 'aum'
        end as flow_method
    from chained
    left join (
        select chained.ticker, chained.date, exp(sum(ln(splits.stock_splits))) as split_ratio
        from chained
        inner join {{ source('core', 'prices_daily') }} as splits
            on splits.ticker = chained.ticker
            and splits.date > chained.base_date
            and splits.date <= chained.date
            and splits.stock_splits > 0
        group by chained.ticker, chained.date
    ) as spans on chained.ticker = spans.ticker and chained.date = spans.date
    where chained.base_date is not null
),

final as (
    select
        checked.date,
        checked.ticker,
        checked.basket,
        checked.aum,
        checked.nav_price,
        checked.shares_outstanding,
        checked.session_number,
        measured.base_date,
        measured.base_aum,
        measured.days_spanned,
        measured.split_factor,
        measured.flow_method,
        case
            when measured.spans_stale_aum or checked.is_stale_aum then 'stale_aum'
            when measured.days_spanned > 1 then 'gap'
            when measured.split_ratio is not null then 'split'
            when measured.date is not null then 'ok'
            when max(checked.is_usable::integer) over by_ticker_so_far = 1
                and not checked.is_usable then 'gap'
            else 'first'
        end as flow_quality,
        case measured.flow_method
            when 'shares'
                then (measured.shares_outstanding - measured.base_shares * measured.split_factor)
                    * measured.nav_price
            when 'aum'
                then measured.aum
                    - measured.base_aum * measured.nav_price * measured.split_factor
                    / measured.base_nav
        end as est_flow_usd
    from checked
    left join measured on checked.ticker = measured.ticker and checked.date = measured.date
    window by_ticker_so_far as (partition by checked.ticker order by checked.date)
)

select * from final
