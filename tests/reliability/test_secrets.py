"""The FRED key, set to a canary, through every run kind and failure class, then searched for
everywhere a person or a tool can read: log records, the terminal, exceptions, Prefect's flow
runs, logs and artifacts, every warehouse table and its BI snapshot, exports, the GX Data Docs,
the HTML report, dbt's logs and every other file the runs wrote.

The journey runs once per module (each command is a real run against loopback Yahoo and FRED
and the session's Prefect API); the tests below each search one kind of place.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from fakes import Reply, free_port
from live_runs import RUN_DATE, UNIVERSE, fred_value, healthy_sources
from typer.testing import CliRunner

from cli.main import app
from contracts.calendar import new_york_today

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]

CANARY = "CANARY-fred-key-3b9f-e1d7"
# FRED's error document, as a proxy or an old API version might send it: echoing the key back
ECHO = f'<error code="400" message="Bad Request. api_key={CANARY} is not registered."/>'.encode()


@dataclass
class Journey:
    folder: Path
    warehouse: Path
    outputs: dict[str, str] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    exceptions: list[str] = field(default_factory=list)
    records: list[str] = field(default_factory=list)


class _Everything(logging.Handler):
    """Every record of every logger, formatted with its traceback, as a handler would print."""

    def __init__(self, sink: list[str]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.sink.append(f"{self.format(record)} {record.args!r}")


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journey]:
    folder = tmp_path_factory.mktemp("secrets")
    trip = Journey(folder=folder, warehouse=folder / "market.duckdb")
    universe = folder / "universe.toml"
    universe.write_text(UNIVERSE)
    handler = _Everything(trip.records)
    loggers = [logging.getLogger(), logging.getLogger("prefect")]
    root = loggers[0]
    level = root.level
    root.setLevel(logging.DEBUG)
    runner = CliRunner()

    def cli(name: str, *args: str, env: dict[str, str] | None = None) -> None:
        for logger in loggers:  # Prefect's logging set-up replaces handlers when it runs
            if handler not in logger.handlers:
                logger.addHandler(handler)
        result = runner.invoke(app, list(args), env={"COLUMNS": "200", **(env or {})})
        trip.outputs[name] = result.output
        trip.exit_codes[name] = result.exit_code
        if result.exception is not None:
            trip.exceptions.append(repr(result.exception) + str(result.exc_info))

    try:
        with pytest.MonkeyPatch.context() as mp, healthy_sources() as sources:
            for name, value in {
                "FRED_API_KEY": CANARY,
                "SMALLCAP_UNIVERSE": str(universe),
                "SMALLCAP_FRED_BASE_URL": sources.fred.base_url,
                "SMALLCAP_YAHOO_REQUESTS_PER_MINUTE": "0",
                "SMALLCAP_FRED_REQUESTS_PER_SECOND": "0",
                "SMALLCAP_SOURCE_RETRY_WAIT_SECONDS": "0",
                "SMALLCAP_SOURCE_RETRY_ATTEMPTS": "2",
                "SMALLCAP_HISTORY_YEARS": "1",
                "SMALLCAP_YAHOO_CACHE_DIR": str(folder / "yfinance"),
            }.items():
                mp.setenv(name, value)
            where = ["--warehouse", str(trip.warehouse)]
            sources.yahoo.fed_funds_futures(
                RUN_DATE, RUN_DATE + timedelta(days=3), new_york_today()
            )
            day = str(RUN_DATE)
            # a negative close on the last day: a quarantined row for the release to retry
            sources.yahoo.edit(
                "IJR", lambda chart: chart["indicators"]["quote"][0]["close"].__setitem__(-1, -1.0)
            )
            cli("daily", "run", "--date", day, *where)
            # FRED echoes the key in an error: partial
            sources.fred.script("series/observations", "DFF", Reply(status=400, body=ECHO))
            later = str(RUN_DATE + timedelta(days=3))
            cli("daily-partial", "run", "--date", later, *where)
            sources.fred.daily("DFF", fred_value("DFF"))  # FRED healthy again
            cli("backfill", "backfill", "--start", "2025-01-02", "--end", "2025-03-31", *where)
            refused = {"SMALLCAP_FRED_BASE_URL": f"http://127.0.0.1:{free_port()}/fred"}
            cli(
                "backfill-refused",
                "backfill",
                "--start",
                "2024-10-01",
                "--end",
                "2024-12-31",
                *where,
                env=refused,
            )
            from flows.reconcile import reconcile

            try:
                reconcile(days=5, source="live", warehouse=str(trip.warehouse))
            except Exception as exc:  # a failed reconcile is a failure class like any other
                trip.exceptions.append(repr(exc))
            cli("release", "quarantine", "release", "--all", *where)
            history = folder / "dgs10.csv"
            history.write_text(
                "series_id,date,value\nDGS10,2024-06-03,4.40\nDGS10,2024-06-04,4.33\n"
            )
            cli("import", "import", "--dataset", "rates", "--file", str(history), *where)
            cli(
                "publish-refused",
                "run",
                "--date",
                later,
                *where,
                env={"SMALLCAP_BI_STORAGE_VERSION": "v99.0.0"},
            )
            broken = folder / "broken.duckdb"
            broken.write_bytes(b"not a duckdb file" * 100)
            cli("corrupt", "run", "--date", day, "--warehouse", str(broken))
            cli("report", "report", "--out", str(folder / "report.html"), *where)
            cli("config", "config", *where)
            cli("config-json", "config", "--json", *where)
            cli("export", "export", "--to", str(folder / "export"), "--format", "csv", *where)
            cli("status", "status", *where)
        yield trip
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
        root.setLevel(level)


def test_the_journey_ran_every_kind_and_failure_class(journey: Journey) -> None:
    codes = journey.exit_codes
    # partial at most: the fake serves the funds, not every constituent of their top holdings
    assert codes["daily"] in (0, 3), journey.outputs["daily"]
    assert codes["daily-partial"] == 3, journey.outputs["daily-partial"]
    assert codes["backfill-refused"] in (1, 3), journey.outputs["backfill-refused"]
    assert codes["publish-refused"] == 3, journey.outputs["publish-refused"]
    assert codes["corrupt"] == 1, journey.outputs["corrupt"]
    for name in (
        "backfill",
        "release",
        "import",
        "report",
        "config",
        "config-json",
        "export",
        "status",
    ):
        assert codes[name] in (0, 3), (name, journey.outputs[name])
    assert "***" in journey.outputs["config"]  # the key is set, and shown masked
    flows = _read(journey.warehouse, "select distinct flow from audit.runs")
    kinds = {"daily-etl", "backfill", "reconcile", "quarantine-release", "import"}
    assert kinds <= {f for (f,) in flows}


def test_no_log_record_terminal_output_or_exception_holds_the_key(journey: Journey) -> None:
    assert len(journey.records) > 100
    assert CANARY not in "\n".join(journey.records)
    assert CANARY not in "\n".join(journey.outputs.values())
    assert CANARY not in "\n".join(journey.exceptions)


def test_no_prefect_flow_run_log_or_artifact_holds_the_key(journey: Journey) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs()
        text = "\n".join(
            [r.model_dump_json() for r in runs]
            + [r.model_dump_json() for r in client.read_task_runs()]
            + [a.model_dump_json() for a in client.read_artifacts()]
            + [log.model_dump_json() for log in client.read_logs()]
        )
    assert {r.flow_id for r in runs}
    assert CANARY not in text


def test_no_warehouse_or_snapshot_value_holds_the_key(journey: Journey) -> None:
    databases = sorted(journey.folder.rglob("*.duckdb"))
    assert any("bi" in p.parts for p in databases)
    for database in databases:
        if database.name == "broken.duckdb":
            continue
        with duckdb.connect(str(database), read_only=True) as con:
            tables = con.sql(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
            assert tables, database
            for schema, table in tables:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" t where contains(t::varchar, ?)',
                    [CANARY],
                ).fetchone()
                assert hits == (0,), f"{database}: {schema}.{table}"


def test_no_file_the_runs_wrote_holds_the_key(journey: Journey, data_docs_dir: Path) -> None:
    """Exports, the HTML report, Data Docs, dbt's logs and manifests, manifests of exports."""
    written = [
        p
        for folder in (journey.folder, data_docs_dir)
        for p in folder.rglob("*")
        if p.is_file() and p.suffix not in {".duckdb", ".wal"}
    ]
    assert any(p.suffix == ".html" for p in written)
    assert any(p.name == "manifest.json" for p in written)
    assert any(p.name == "dbt.log" for p in written)
    leaks = [p for p in written if CANARY.encode() in p.read_bytes()]
    assert leaks == []


def _read(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()
