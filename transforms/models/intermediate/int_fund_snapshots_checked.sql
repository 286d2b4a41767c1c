-- grain: one row per (date, ticker)
-- each fund snapshot with what the flow estimate needs to know about it: its session number,
-- whether its AUM is a stale repeat and whether its share count is current
-- a table, not a view: its calendar reads every price date, int_etf_flows and its tests read
-- it, and the BI snapshot publishes it; as a view each of them computed it again
{{ config(materialized='table') }}
with snapshots as (
    select * from {{ ref('stg_fund_snapshots') }}
),

-- the market calendar as far as the warehouse knows it: every bar or snapshot date
sessions as (
    select date, row_number() over (order by date) as session_number
    from (
        select date from {{ source('core', 'prices_daily') }}
        union
        select date from snapshots
    )
),

-- consecutive snapshots with the same AUM form one run
runs as (
    select
        *,
        sum((aum is distinct from previous_aum)::integer) over (
            partition by ticker order by date
        ) as aum_run
    from (
        select *, lag(aum) over (partition by ticker order by date) as previous_aum
        from snapshots
    )
),

-- an AUM repeated while the NAV moved since it first appeared cannot be current, as
-- AUM = shares x NAV (a split day may repeat it legitimately); a share count is current when
-- shares x NAV reproduces the same snapshot's AUM within 5 bp (Yahoo's count often lags), or
-- when the issuer's daily file gave it (its own count as of that day, whatever Yahoo's AUM)
final as (
    select
        runs.date,
        runs.ticker,
        runs.basket,
        runs.aum,
        runs.nav_price,
        runs.shares_outstanding,
        sessions.session_number,
        coalesce(
            runs.aum = runs.previous_aum
            and runs.nav_price is distinct from first_value(runs.nav_price) over same_aum
            and coalesce(prices.stock_splits, 0) = 0,
            false
        ) as is_stale_aum,
        coalesce(
            runs.shares_outstanding > 0 and (
                runs.shares_outstanding_source is not null
                or abs(runs.shares_outstanding * runs.nav_price / runs.aum - 1) <= 0.0005
            ),
            false
        ) as is_shares_current
    from runs
    inner join sessions on runs.date = sessions.date
    left join {{ source('core', 'prices_daily') }} as prices
        on runs.ticker = prices.ticker and runs.date = prices.date
    window same_aum as (partition by runs.ticker, runs.aum_run order by runs.date)
)

select * from final
