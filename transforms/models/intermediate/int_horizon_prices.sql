-- grain: one row per (ticker, date)
-- the adjusted closes of the sessions a return after a cut starts or ends on, the only ones the
-- after-cuts marts read: a semi-join on those sessions spares hashing every price for each of
-- their joins
with horizons as (
    select * from {{ ref('int_cut_horizons') }}
),

final as (
    select * from {{ ref('stg_adj_closes') }}
    where date in (select base_date from horizons union select end_date from horizons)
)

select * from final
