{#- the grain: no two rows share the same values of ``combination_of_columns`` -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- set columns = combination_of_columns | join(', ') -%}
    select {{ columns }}, count(*) as rows_per_key
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{% endtest %}
