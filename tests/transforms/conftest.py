"""One warehouse path for every model test, emptied before each: dbt's partial-parse state is
per warehouse path (tmp_path would make every test parse the project from scratch, ~6 s)."""

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from transforms.build import ModelResult, build_models
from warehouse.connection import warehouse


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def models_path(models_dir: Path) -> Path:
    """A freshly migrated, empty warehouse at the shared path."""
    path = models_dir / "models.duckdb"
    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)
    with warehouse(path):
        pass
    return path


@pytest.fixture
def seed(models_path: Path) -> Callable[[str, list | None], None]:
    """Run one insert (or executemany with rows) against the warehouse, closing it after."""

    def run(sql: str, rows: list | None = None) -> None:
        with warehouse(models_path) as con:
            con.executemany(sql, rows) if rows is not None else con.execute(sql)

    return run


@pytest.fixture
def build(models_path: Path) -> Callable[..., list[ModelResult]]:
    return lambda **kwargs: build_models(models_path, **kwargs)


@pytest.fixture
def query(models_path: Path) -> Callable[[str], list[tuple]]:
    def run(sql: str) -> list[tuple]:
        with warehouse(models_path, read_only=True) as con:
            return con.execute(sql).fetchall()

    return run


Query = Callable[[str], list[tuple]]


@pytest.fixture(scope="session")
def build_once(
    models_dir: Path,
) -> Callable[[str, Callable[[duckdb.DuckDBPyConnection], None], str], Query]:
    """For a module whose tests only read: seed a warehouse of its own (``name``), build
    ``select`` once, and get a query function on it (a build costs several seconds)."""

    def build(name: str, seed: Callable[[duckdb.DuckDBPyConnection], None], select: str) -> Query:
        path = models_dir / f"{name}.duckdb"
        with warehouse(path) as con:
            seed(con)
        build_models(path, select=select)

        def query(sql: str) -> list[tuple]:
            with warehouse(path, read_only=True) as con:
                return con.execute(sql).fetchall()

        return query

    return build
