-- grain: one row per (asof_date, contract_month)
-- the policy path the market prices: a 30-day Fed funds future settles on 100 minus the
-- month's average effective rate, compared with the middle of the target range on the as-of
-- date (FRED's last DFEDTARU/DFEDTARL on or before it); 25 bp is one cut
-- incremental (macros/incremental_since.sql): futures of the recomputed days only; the target
-- range is read whole (the as-of join takes the last target on or before the day, of any age)
{{ incremental_since(unique_key=['asof_date', 'contract_month'], since_column='asof_date') }}
with futures as (
    select * from {{ source('core', 'futures_daily') }}
    where {{ since_filter('date') }}
),

-- the 12 months from the as-of date's own; the dated contract wins over ZQ=F (the same month)
contracts as (
    select
        date as asof_date,
        contract_month,
        symbol,
        close
    from futures
    where contract_month >= date_trunc('month', date)
        and contract_month < date_trunc('month', date) + interval 12 month
    qualify row_number() over (
        partition by date, contract_month order by symbol = 'ZQ=F', symbol
    ) = 1
),

targets as (
    select
        date,
        (max(value) filter (where series_id = 'DFEDTARU')
            + max(value) filter (where series_id = 'DFEDTARL')) / 2 as target_mid
    from {{ source('core', 'rates_daily') }}
    where series_id in ('DFEDTARU', 'DFEDTARL') and value is not null
    group by date
    having count(distinct series_id) = 2
),

final as (
    select
        contracts.asof_date,
        contracts.contract_month,
        date_diff('month', date_trunc('month', contracts.asof_date), contracts.contract_month)
            as months_ahead,
        contracts.symbol,
        contracts.close as price,
        100 - contracts.close as implied_rate,
        targets.target_mid,
        (100 - contracts.close - targets.target_mid) * 100 as implied_change_bp,
        -(100 - contracts.close - targets.target_mid) * 100 / 25 as cuts_priced
    from contracts
    asof left join targets on contracts.asof_date >= targets.date
)

select * from final
