"""The dbt project's contract: every model declares its grain as a test, every column carries a
comment in the warehouse, and a failed model or test stops the build with the node's name."""

import re
from pathlib import Path

import pytest
import yaml

from contracts.errors import TransformError
from transforms.build import PROJECT_DIR

MODELS = PROJECT_DIR / "models"
_GRAIN = re.compile(r"^-- grain: one row per \((.+)\)$")


def _declared() -> dict[str, dict]:
    found = {}
    for path in MODELS.rglob("schema.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            found[model["name"]] = model
    return found


def _grain(path: Path) -> list[str]:
    match = _GRAIN.match(path.read_text().splitlines()[0])
    assert match, f"{path}: line 1 must declare the grain"
    return [column.strip() for column in match.group(1).split(",")]


@pytest.mark.parametrize("path", sorted(MODELS.rglob("*.sql")), ids=lambda p: p.stem)
def test_every_model_tests_the_grain_its_first_line_declares(path):
    model = _declared()[path.stem]
    grain_tests = [
        t["unique_combination_of_columns"]["arguments"]["combination_of_columns"]
        for t in model.get("data_tests", [])
        if isinstance(t, dict) and "unique_combination_of_columns" in t
    ]

    assert grain_tests == [_grain(path)]
    assert model.get("description")
    assert all(c.get("description") for c in model["columns"])


def test_every_column_of_every_model_and_source_table_has_a_comment(seed, build, query):
    seed("insert into core.universe_tickers values ('IWM', 'small')")
    build()

    with_comment = query(
        """select schema_name, table_name, comment from duckdb_tables()
           where database_name = current_database()
           union all
           select schema_name, view_name, comment from duckdb_views()
           where database_name = current_database() and not internal"""
    )
    columns = query(
        """select schema_name, table_name, column_name, comment from duckdb_columns()
           where database_name = current_database()
             and schema_name in ('core', 'staging', 'intermediate', 'mart', 'audit',
                                 'quarantine')"""
    )

    schemas = {schema for schema, _, _ in with_comment}
    assert {"core", "staging", "intermediate", "mart", "audit", "quarantine"} <= schemas
    assert [(s, t) for s, t, comment in with_comment if not comment] == []
    assert [(s, t, c) for s, t, c, comment in columns if not comment] == []
    marts = {(t, c): comment for s, t, c, comment in columns if s == "mart"}
    assert "fraction, 0.25 = 25 %" in marts[("pe_spread_daily", "discount_pct")]
    assert "days_spanned sessions" in marts[("etf_flows_daily", "est_flow_usd")]


def test_a_failed_error_severity_test_raises_with_the_test_name(seed, build):
    seed("insert into core.universe_tickers values ('IWM', 'small')")
    seed(  # negative AUM: the suites keep it out of core, a manual load would not
        "insert into core.fundamentals_daily (ticker, asof_date, total_assets, source, run_id, "
        "loaded_at) values ('IWM', '2025-01-02', -1.0, 'sample', 'r', now())"
    )

    with pytest.raises(TransformError, match="accepted_range_stg_fund_snapshots_aum"):
        build()


def test_a_failed_model_raises_with_the_relation_name(seed, build):
    seed("drop table core.spread_pairs")

    with pytest.raises(TransformError, match=r"model mart\.pe_spread_daily: .*spread_pairs"):
        build(select="+pe_spread_daily")
