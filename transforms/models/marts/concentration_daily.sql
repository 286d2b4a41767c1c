-- grain: one row per (fund, asof_date)
-- how concentrated each fund is, over its stock lines: weight = the line's market value / the
-- fund's equity market value (Yahoo's listed weight for a partial top-10 list, whose
-- Herfindahl index cannot be known)
-- incremental (macros/incremental_since.sql): no look-back: one holdings snapshot per row
{{ incremental_since(unique_key=['fund', 'asof_date'], since_column='asof_date') }}
with holdings as (
    select * from {{ ref('stg_fund_holdings') }}
    where is_equity and equity_weight is not null and {{ since_filter('asof_date') }}
),

megacaps as (
    select * from {{ source('core', 'megacaps') }}
),

ranked as (
    select
        *,
        exists (
            select 1 from megacaps where megacaps.ticker in (holding_ticker, yahoo_ticker)
        ) as is_megacap,
        row_number() over (
            partition by fund, asof_date order by equity_weight desc, holding_ticker, name
        ) as weight_rank
    from holdings
),

final as (
    select
        fund,
        asof_date,
        bool_or(partial) as partial,
        count(*) as equity_lines,
        any_value(holding_ticker) filter (where weight_rank = 1) as largest_holding,
        max(equity_weight) as top1_weight,
        sum(equity_weight) filter (where weight_rank <= 10) as top10_weight,
        coalesce(sum(equity_weight) filter (where is_megacap), 0) as megacap_weight,
        case when not bool_or(partial) then sum(equity_weight * equity_weight) end as herfindahl,
        case when not bool_or(partial) then 1 / sum(equity_weight * equity_weight) end
            as effective_holdings
    from ranked
    group by fund, asof_date
)

select * from final
