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
    warehouse) every day is recomputed, which equals a full rebuild.

    A mart of a coarser grain (returns_monthly: months) recomputes from the start of the unit
    holding mart_since: since_start(unit) is the first day recomputed. -#}

{#- the first day recomputed, validated as an ISO date; none without the var -#}
{% macro mart_since_day() -%}
    {%- set since = var('mart_since', none) -%}
    {{ return(modules.datetime.date.fromisoformat(since | string) if since else none) }}
{%- endmacro %}

{#- mart_since, or the first day of its month with unit='month'; none without the var -#}
{% macro since_start(unit='day') -%}
    {%- set since = mart_since_day() -%}
    {%- if since and unit == 'month' -%}
        {{ return(since.replace(day=1)) }}
    {%- elif since and unit == 'day' -%}
        {{ return(since) }}
    {%- elif since -%}
        {{ exceptions.raise_compiler_error("since_start: unit is 'day' or 'month', not " ~ unit) }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The config every incremental model shares; the model states only its grain (unique_key) and
    the date column its rows are recomputed by (since_column, in ``unit``s). The column is also
    kept in meta, where the data tests find it (default__get_where_subquery below). A model
    whose every row reads only its own source row (a staging model) passes no unique_key: after
    the pre-hook's delete its new rows are simply appended, with no key join on a long table. -#}
{% macro incremental_since(unique_key, since_column, unit='day') -%}
    {{ config(
        materialized='incremental',
        incremental_strategy='delete+insert' if unique_key else 'append',
        unique_key=unique_key,
        on_schema_change='fail',
        pre_hook="{{ delete_since('" ~ since_column ~ "', '" ~ unit ~ "') }}",
        meta={'since_column': since_column, 'since_unit': unit},
    ) }}
{%- endmacro %}

{#- a WHERE condition: in an incremental build with the var, the days from since_start(unit)
    minus lookback_days; else every day -#}
{% macro since_filter(column, lookback_days=0, unit='day') -%}
    {%- set since = since_start(unit) -%}
    {%- if is_incremental() and since -%}
        {{ column }} >= date '{{ since }}' - {{ lookback_days }}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#- the pre-hook of an incremental mart: its rows of the days this build recomputes go -#}
{% macro delete_since(column, unit='day') -%}
    {%- set since = since_start(unit) -%}
    {%- if is_incremental() -%}
        delete from {{ this }} where {{ column }} >= date '{{ since or '0001-01-01' }}'
    {%- endif -%}
{%- endmacro %}

{#- Every generic test reads its model through this macro (dbt's own, overridden here). With
    the var and without --full-refresh, a test of a model whose meta names a since_column
    checks only the rows of since_start(since_unit) on; otherwise every row (full refreshes,
    the pipeline's first build, dbt by hand). Why that still checks everything that can fail:

    - the var is set only by the pipeline, after a build of the same project that passed its
      tests (warehouse/mart_builds.py records only such builds; a changed project, universe
      or deleted row refreshes in full), and no source row dated before it changed since;
    - so every row dated before the cut-off is the one that build checked: an incremental
      model keeps those rows untouched (it rewrites only the days from the cut-off on), and
      the other staging and intermediate models marked so (views, or tables rebuilt whole)
      are causal per date (a row of day t reads source rows of days <= t and the universe
      tables only), so they compute the same rows again;
    - row-wise tests (not_null, accepted_values, accepted_range) thus cannot fail on the older
      rows, and a uniqueness test cannot either: every such model's grain holds its
      since_column, so two rows sharing a key share a day, both old (checked before) or both
      in the slice (checked now).
    A warn-severity test therefore warns in the build that writes the row, not in every later
    one. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
    {%- set meta = tested.config.meta if tested else {} -%}
    {%- set since = since_start(meta.get('since_unit', 'day')) if meta.get('since_column') else none -%}
    {%- if since and not flags.FULL_REFRESH -%}
        {%- set slice = meta['since_column'] ~ " >= date '" ~ since ~ "'" -%}
        {%- set where = '(' ~ where ~ ') and ' ~ slice if where else slice -%}
    {%- endif -%}
    {%- if where -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}
