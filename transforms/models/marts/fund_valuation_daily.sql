-- grain: one row per (fund, asof_date)
-- look-through: each fund's stock lines (its latest holdings at most 7 days before the quote
-- date) priced with that day's constituent quotes. Earnings are aggregated as yields
-- (EPS / price, weighted by the line's equity weight), never as P/Es, so loss-makers count:
-- sum of weights / sum of weighted yields = sum of market values / sum of earnings
-- incremental (macros/incremental_since.sql): look-back 7 days of holdings (a quote date uses the
-- latest holdings at most 7 days older); quotes of the recomputed days only
{{ incremental_since(unique_key=['fund', 'asof_date'], since_column='asof_date') }}
with holdings as (
    select * from {{ ref('stg_fund_holdings') }}
    where is_equity and {{ since_filter('asof_date', 7) }}
),

quotes as (
    select * from {{ source('core', 'constituent_quotes') }}
    where {{ since_filter('asof_date') }}
),

config as (
    select max(min_coverage) as min_coverage from {{ source('core', 'lookthrough_config') }}
),

snapshots as (
    select
        quote_days.asof_date,
        snapshot_days.fund,
        max(snapshot_days.asof_date) as holdings_date
    from (select distinct asof_date from quotes) as quote_days
    inner join (select distinct fund, asof_date from holdings) as snapshot_days
        on snapshot_days.asof_date between quote_days.asof_date - 7 and quote_days.asof_date
    group by all
),

lines as (
    select
        snapshots.fund,
        snapshots.asof_date,
        snapshots.holdings_date,
        holdings.partial,
        holdings.yahoo_ticker,
        holdings.equity_weight as w,
        quotes.price is not null as quoted,
        quotes.eps_trailing / quotes.price as trailing_yield,
        quotes.eps_forward / quotes.price as forward_yield,
        quotes.market_cap
    from snapshots
    inner join holdings
        on holdings.fund = snapshots.fund and holdings.asof_date = snapshots.holdings_date
    left join quotes
        on quotes.ticker = holdings.yahoo_ticker and quotes.asof_date = snapshots.asof_date
),

sums as (
    select
        fund,
        asof_date,
        holdings_date,
        bool_or(partial) as partial,
        count(*) as constituents,
        count(*) filter (where yahoo_ticker is null) as unmapped,
        count(*) filter (where yahoo_ticker is not null and not quoted) as unquoted,
        coalesce(sum(w) filter (where quoted), 0) as coverage_weight,
        coalesce(sum(w) filter (where forward_yield is not null), 0) as estimate_coverage_weight,
        sum(w) filter (where trailing_yield is not null) as trailing_w,
        sum(w * trailing_yield) as trailing_e,
        sum(w) filter (where trailing_yield > 0) as profitable_w,
        sum(w * trailing_yield) filter (where trailing_yield > 0) as profitable_e,
        sum(w) filter (where forward_yield is not null) as forward_w,
        sum(w * forward_yield) as forward_e,
        sum(w) filter (where forward_yield > 0) as forward_profitable_w,
        sum(w * forward_yield) filter (where forward_yield > 0) as forward_profitable_e,
        sum(w * trailing_yield) filter (where forward_yield is not null) as both_trailing_e,
        sum(w * forward_yield) filter (where trailing_yield is not null) as both_forward_e,
        count(*) filter (where trailing_yield < 0) as loss_makers,
        count(trailing_yield) as with_earnings,
        coalesce(sum(w) filter (where trailing_yield < 0), 0) as loss_w,
        median(market_cap) as median_market_cap
    from lines
    group by all
),

checked as (
    select
        sums.*,
        config.min_coverage,
        coverage_weight >= config.min_coverage as covered,
        estimate_coverage_weight >= config.min_coverage as estimated
    from sums
    cross join config
),

final as (
    select
        fund,
        asof_date,
        holdings_date,
        partial,
        constituents,
        unmapped,
        unquoted,
        coverage_weight,
        estimate_coverage_weight,
        min_coverage,
        case when covered and trailing_e > 0 then trailing_w / trailing_e end as trailing_pe,
        case when covered and profitable_e > 0 then profitable_w / profitable_e end
            as trailing_pe_ex_losses,
        case when estimated and forward_e > 0 then forward_w / forward_e end as forward_pe,
        case when estimated and forward_profitable_e > 0
            then forward_profitable_w / forward_profitable_e end as forward_pe_ex_losses,
        case when estimated and both_trailing_e > 0 then both_forward_e / both_trailing_e - 1 end
            as expected_eps_growth,
        case when covered then loss_makers / nullif(with_earnings, 0) end
            as unprofitable_share_count,
        case when covered then loss_w / nullif(trailing_w, 0) end as unprofitable_share_weight,
        case when covered then median_market_cap end as median_market_cap,
        case
            when min_coverage is null
                then 'no minimum coverage configured: run the pipeline to mirror the universe file'
            when partial and not covered
                then printf(
                    'only the top holdings are known (no issuer file under [holdings]): quoted '
                    || 'lines are %.1f %% of the fund, below the %.0f %% minimum',
                    100 * coverage_weight, 100 * min_coverage
                )
            when not covered
                then printf(
                    'quotes cover %.1f %% of the equity value, below the %.0f %% minimum',
                    100 * coverage_weight, 100 * min_coverage
                )
            when not estimated
                then printf(
                    'forward EPS cover %.1f %% of the equity value, below the %.0f %% minimum: '
                    || 'no forward figures',
                    100 * estimate_coverage_weight, 100 * min_coverage
                )
            when trailing_e <= 0 then 'aggregate trailing earnings are not positive: no trailing P/E'
            when forward_e <= 0 then 'aggregate forward earnings are not positive: no forward P/E'
        end as note
    from checked
)

select * from final
