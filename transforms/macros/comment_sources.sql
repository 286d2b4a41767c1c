{#- on-run-end: every source table and column gets its sources.yml description as a COMMENT, so
    BI users see the same words in the database as in the docs site (one copy of each) -#}
{% macro comment_sources() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% for source in graph.sources.values() %}
        {% set relation = api.Relation.create(
            database=source.database, schema=source.schema, identifier=source.identifier,
            type='table') %}
        {% if adapter.get_relation(relation.database, relation.schema, relation.identifier) %}
            {% if source.description %}
                {% do run_query(duckdb__alter_relation_comment(relation, source.description)) %}
            {% endif %}
            {% set columns = {} %}
            {% for name, column in source.columns.items() if column.description %}
                {% do columns.update({name: {'description': column.description,
                                             'quote': column.quote}}) %}
            {% endfor %}
            {% if columns %}
                {% do run_query(duckdb__alter_column_comment(relation, columns)) %}
            {% endif %}
        {% endif %}
    {% endfor %}
    {#- dbt opened a transaction on this connection and rolls it back after the hooks -#}
    {% do adapter.commit() %}
    {{ return('') }}
{% endmacro %}
