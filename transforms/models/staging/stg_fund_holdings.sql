-- grain: one row per (fund, asof_date, holding_ticker, name)
-- equity_weight is a stock line's share of the snapshot's equity: its market value over the
-- equity market value of a complete file; for a partial list (Yahoo's top 10, no market
-- values) the listed weight, a share of the whole fund
-- a table for the BI snapshot, as stg_adj_closes (0.9M lines at the large benchmark);
-- incremental: a line's weight reads its own file (fund, asof_date) only
{{ incremental_since(unique_key=none, since_column='asof_date') }}
with holdings as (
    select * from {{ source('core', 'fund_holdings') }}
    where {{ since_filter('asof_date') }}
),

classified as (
    select
        *,
        lower(asset_class) = 'equity' as is_equity
    from holdings
),

final as (
    select
        fund,
        asof_date,
        holding_ticker,
        name,
        yahoo_ticker,
        asset_class,
        is_equity,
        partial,
        market_value,
        case
            when not is_equity then null
            when partial then weight
            else market_value / nullif(
                sum(case when is_equity then market_value end)
                    over (partition by fund, asof_date),
                0
            )
        end as equity_weight
    from classified
)

select * from final
