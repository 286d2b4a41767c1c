"""DuckDB warehouse: migrations, connections and the idempotent loader."""
