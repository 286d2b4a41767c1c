"""The dbt project (SQL models, their tests and docs) and the in-process builder, build.py."""
