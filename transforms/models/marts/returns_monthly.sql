-- grain: one row per (month, ticker)
-- calendar-month total return from adj_close on the month's last NYSE session against the
-- previous month's last session; NULL when either price is missing (including a month not yet
-- over), never a nearby day's price instead
-- incremental (macros/incremental_since.sql), by month: the months from the one holding the
-- cut-off are recomputed, from prices of 62 days before the cut-off on, which always reach
-- back to the first day of the month before it (a return's base; at most 61 days earlier)
{{ incremental_since(unique_key=['month', 'ticker'], since_column='month', unit='month') }}
with prices as (
    select * from {{ ref('stg_adj_closes') }}
    where {{ since_filter('date', 62) }}
),

month_ends as (
    select
        date_trunc('month', session_date)::date as month,
        max(session_date) as month_end
    from {{ ref('stg_nyse_sessions') }}
    group by 1
),

held as (
    select distinct
        ticker,
        date_trunc('month', date)::date as month
    from prices
),

closes as (
    select
        held.month,
        held.ticker,
        month_ends.month_end,
        prices.adj_close
    from held
    inner join month_ends on month_ends.month = held.month
    left join prices on prices.ticker = held.ticker and prices.date = month_ends.month_end
),

final as (
    select
        month,
        ticker,
        month_end,
        case
            when lag(month) over by_ticker = month - interval 1 month
                then adj_close / lag(adj_close) over by_ticker - 1
        end as total_return
    from closes
    window by_ticker as (partition by ticker order by month)
)

select * from final
where {{ since_filter('month', unit='month') }}
