{#- on-run-end: every source table and column gets its sources.yml description as a COMMENT, so
    BI users see the same words in the database as in the docs site (one copy of each). Only
    the comments the warehouse lacks or holds otherwise are written: after the first build
    that is none, where writing all ~400 again cost a second of every build. -#}
{% macro comment_sources() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {#- the comments in place, by 'schema.table.' (the table's) and 'schema.table.column' -#}
    {% set current = {} %}
    {% set rows = run_query(
        "select schema_name, table_name, '' as column_name, comment from duckdb_tables()
         where database_name = current_database()
         union all
         select schema_name, table_name, column_name, comment from duckdb_columns()
         where database_name = current_database()") %}
    {% for row in rows %}
        {% do current.update({row[0] ~ '.' ~ row[1] ~ '.' ~ row[2]: row[3]}) %}
    {% endfor %}
    {% set statements = [] %}
    {% for source in graph.sources.values() %}
        {% set key = source.schema ~ '.' ~ source.identifier ~ '.' %}
        {% if key in current %}
            {% set relation = api.Relation.create(
                database=source.database, schema=source.schema, identifier=source.identifier,
                type='table') %}
            {% if source.description and current[key] != source.description %}
                {% do statements.append(
                    duckdb__alter_relation_comment(relation, source.description)) %}
            {% endif %}
            {% for name, column in source.columns.items() if column.description %}
                {% if (key ~ name) in current and current[key ~ name] != column.description %}
                    {% set quoted = adapter.quote(name) if column.quote else name %}
                    {% do statements.append('comment on column ' ~ relation ~ '.' ~ quoted ~ ' is '
                        ~ duckdb_escape_comment(column.description) ~ ';') %}
                {% endif %}
            {% endfor %}
        {% endif %}
    {% endfor %}
    {% if statements %}
        {% do run_query(statements | join('\n')) %}
    {% endif %}
    {#- dbt opened a transaction on this connection and rolls it back after the hooks -#}
    {% do adapter.commit() %}
    {{ return('') }}
{% endmacro %}
