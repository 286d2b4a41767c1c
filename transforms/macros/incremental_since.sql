{#- The daily-grain marts build incrementally: a build recomputes the days from the dbt var
    mart_since on (pipeline/steps.py sets it to the earliest day whose source rows changed since
    the last build; warehouse/mart_builds.py) and keeps the older rows. Every such mart is
    causal (its row for day t reads source rows of days <= t only), so a change on day D cannot
    alter an earlier row. Each model reads its sources from mart_since minus its own look-back
    (stated in the model), and writes only days >= mart_since.

    dbt-duckdb's delete+insert on the model's grain replaces the recomputed rows; the pre-hook
    delete_since first removes every row of those days, in the same transaction, because a
    key-based delete would keep a row that no longer exists (a pair's return whose price was
    revised away). Without the var (dbt run by hand on a built
    warehouse) every day is recomputed, which equals a full rebuild. -#}

{#- the first day recomputed, validated as an ISO date; none without the var -#}
{% macro mart_since_day() -%}
    {%- set since = var('mart_since', none) -%}
    {{ return(modules.datetime.date.fromisoformat(since | string) if since else none) }}
{%- endmacro %}

{#- a WHERE condition: in an incremental build with the var, the days from mart_since minus
    lookback_days; else every day -#}
{% macro since_filter(column, lookback_days=0) -%}
    {%- set since = mart_since_day() -%}
    {%- if is_incremental() and since -%}
        {{ column }} >= date '{{ since }}' - {{ lookback_days }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- the pre-hook of an incremental mart: its rows of the days this build recomputes go -#}
{% macro delete_since(column) -%}
    {%- set since = mart_since_day() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} >= date '{{ since or '0001-01-01' }}'
    {%- endif -%}
{%- endmacro %}
