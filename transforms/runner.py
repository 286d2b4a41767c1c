"""Materialise the SQL models layer by layer: staging and intermediate as views, marts as tables.

All models are rebuilt in one transaction, so BI readers and a crash see either the previous
marts or the new ones, never a mix.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

MODELS_DIR = Path(__file__).with_name("models")
# (folder, schema, materialisation), in build order: a model reads only lower layers
LAYERS: tuple[tuple[str, str, str], ...] = (
    ("staging", "staging", "view"),
    ("intermediate", "intermediate", "view"),
    ("marts", "mart", "table"),
)
_GRAIN = re.compile(r"^-- grain: one row per \(.+\)$")
# a model may ask to stay a view (line 2), e.g. one that reads the run ledger: a table built
# mid-run would freeze the current run as 'running'; a view is evaluated when read (and when
# the BI snapshot is published, after the run closed)
_AS_VIEW = "-- materialized: view"
_REFERENCE = re.compile(r"\b(staging|intermediate|mart)\.(\w+)")


@dataclass(frozen=True)
class Model:
    schema: str
    name: str
    materialized: str
    sql: str

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def references(self) -> set[str]:
        return {f"{schema}.{name}" for schema, name in _REFERENCE.findall(self.sql)}


@dataclass(frozen=True)
class ModelResult:
    relation: str
    materialized: str
    rows: int


def discover_models(directory: Path = MODELS_DIR) -> list[Model]:
    """Every model in build order; a model without a grain line is a bug, not a style nit."""
    models = []
    for folder, schema, materialized in LAYERS:
        layer = []
        for path in sorted((directory / folder).glob("*.sql")):
            sql = path.read_text()
            if not _GRAIN.match(sql.splitlines()[0] if sql else ""):
                raise ValueError(f"{path}: line 1 must declare the grain ('-- grain: ...')")
            kind = "view" if sql.splitlines()[1:2] == [_AS_VIEW] else materialized
            layer.append(Model(schema, path.stem, kind, sql.strip().rstrip(";")))
        models += _in_dependency_order(layer)
    return models


def _in_dependency_order(layer: list[Model]) -> list[Model]:
    """Within a layer, a model that reads another of the same layer is built after it."""
    pending = {m.relation: m for m in layer}
    ordered: list[Model] = []
    while pending:
        ready = [m for m in pending.values() if not (m.references - {m.relation}) & set(pending)]
        if not ready:
            raise ValueError(f"models reference each other in a cycle: {sorted(pending)}")
        for model in ready:
            ordered.append(pending.pop(model.relation))
    return ordered


def run_models(con: duckdb.DuckDBPyConnection) -> list[ModelResult]:
    """Rebuild every model atomically and report row counts of the tables."""
    models = discover_models()
    results = []
    con.execute("begin transaction")
    try:
        for model in models:
            kind = "view" if model.materialized == "view" else "table"
            con.execute(f"create or replace {kind} {model.relation} as\n{model.sql}")
            rows = (
                con.execute(f"select count(*) from {model.relation}").fetchall()[0][0]
                if kind == "table"
                else 0
            )
            results.append(ModelResult(model.relation, kind, rows))
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return results
