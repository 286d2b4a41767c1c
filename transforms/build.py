"""Build the dbt project in this folder (models, their tests, the COMMENTs) against a warehouse.

dbt runs in-process (``dbtRunner``) with dbt-duckdb on the warehouse file itself, so the caller
must not hold a connection to that file while a build runs. Everything dbt writes (profiles.yml,
target/ with its partial-parse state, logs/) goes to a work folder next to the warehouse, never
into the package, which may be installed read-only. dbt never touches the network: no usage
stats, no packages. Its console output is switched off; what was built is logged here, one line
per model with rows and seconds, and a failed model or error-severity test raises TransformError.
"""

import hashlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from contracts.errors import TransformError

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).parent
PROFILE = "smallcap"  # dbt_project.yml's profile
_FAILED = frozenset({"error", "fail", "runtime error"})
# the longest look-back of the incremental marts in calendar days (relative_returns_daily's
# 252-session lag and YTD base); a change further back than this refreshes in full
LONGEST_LOOKBACK_DAYS = 400


@dataclass(frozen=True)
class ModelResult:
    relation: str
    materialized: str
    rows: int  # rows of a table; 0 for a view (counting would run its query)
    seconds: float


def project_fingerprint() -> str:
    """A hash of the dbt project's files (models, macros, dbt_project.yml): a mart built by
    other SQL than this cannot be continued incrementally, so a change refreshes in full."""
    digest = hashlib.sha256()
    files = [PROJECT_DIR / "dbt_project.yml"]
    files += sorted(p for d in ("models", "macros") for p in (PROJECT_DIR / d).rglob("*.*"))
    for file in files:
        if file.suffix in {".sql", ".py", ".yml"}:
            digest.update(file.relative_to(PROJECT_DIR).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def work_dir_for(path: Path) -> Path:
    """dbt's folder for one warehouse: ``<warehouse dir>/dbt/<warehouse stem>/``."""
    return path.parent / "dbt" / path.stem


def build_models(
    path: Path,
    *,
    select: str | None = None,
    full_refresh: bool = False,
    since: date | None = None,
    work_dir: Path | None = None,
) -> list[ModelResult]:
    """``dbt build`` (models, then their tests, layer by layer) on the warehouse at ``path``.

    ``select`` is dbt's node selection (``pe_spread_daily+``, ``marts``, ...); None builds all.
    ``full_refresh`` rebuilds the incremental marts whole; else they recompute the days from
    ``since`` on (every day without it: correct, not cheaper). Raises TransformError naming the
    failed models and tests; warn-severity tests only log."""
    args = ["build"]
    if select:
        args += ["--select", select]
    if full_refresh:
        args.append("--full-refresh")
    elif since is not None:
        args += ["--vars", json.dumps({"mart_since": since.isoformat()})]
    clock = time.monotonic()
    results = _invoke(path, args, work_dir)
    _raise_on_failures(results)
    for result in results:
        if str(result.status) == "warn":
            log.warning("dbt test %s warned: %s", result.node.name, _first_line(result.message))
    models = _model_results(path, results)
    for model in models:
        log.info(
            "built %s %s (%d rows) in %.2fs",
            model.materialized,
            model.relation,
            model.rows,
            model.seconds,
        )
    tests = sum(1 for r in results if r.node.resource_type == "test")
    log.info(
        "dbt build: %d models, %d tests in %.1fs", len(models), tests, time.monotonic() - clock
    )
    return models


def generate_docs(path: Path, out: Path, *, work_dir: Path | None = None) -> Path:
    """dbt's docs site (lineage graph, every model, source and column with its description and
    the warehouse's catalog) as one self-contained HTML file at ``out``; returns ``out``."""
    _invoke(path, ["docs", "generate", "--static"], work_dir)
    site = _work(path, work_dir) / "target" / "static_index.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(site.read_bytes())
    return out


def _work(path: Path, work_dir: Path | None) -> Path:
    return (work_dir or work_dir_for(path)).resolve()


def _prepare(path: Path, work_dir: Path | None) -> Path:
    """The work folder with a profiles.yml pointing at ``path`` (one thread: one writer)."""
    work = _work(path, work_dir)
    work.mkdir(parents=True, exist_ok=True)
    profile = (
        f"{PROFILE}:\n"
        "  target: warehouse\n"
        "  outputs:\n"
        "    warehouse:\n"
        "      type: duckdb\n"
        f"      path: {_yaml_string(str(path.resolve()))}\n"
        "      threads: 1\n"
    )
    profiles = work / "profiles.yml"
    if not profiles.exists() or profiles.read_text() != profile:
        profiles.write_text(profile)  # unchanged content keeps partial parsing valid
    return work


# Parsed projects of this process, by the database name dbt-duckdb derives from the warehouse
# file's stem (the only warehouse-specific thing in a manifest): partial parsing is keyed on
# the profile's path, so every new warehouse file would otherwise parse the project anew.
_MANIFESTS: dict[str, object] = {}


def _runner(path: Path, common: list[str], *, reuse_parse: bool):
    """A dbtRunner, for a build holding this database name's parsed project (parsed on first
    use)."""
    from dbt.cli.main import dbtRunner  # heavy: imported only when a build runs

    if not reuse_parse:
        return dbtRunner()
    manifest = _MANIFESTS.get(path.stem)
    if manifest is None:
        parsed = dbtRunner().invoke(["parse", *common])
        if parsed.exception is not None or parsed.result is None:
            return dbtRunner()  # the build reports what is wrong with the project
        manifest = _MANIFESTS[path.stem] = parsed.result
    return dbtRunner(manifest=manifest)


def _invoke(path: Path, args: list[str], work_dir: Path | None) -> list:
    work = _prepare(path, work_dir)
    common = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(work),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--no-send-anonymous-usage-stats",
        "--no-version-check",
        "--no-use-colors",
        "--log-level",
        "none",
        "--log-level-file",
        "debug",
    ]
    try:
        runner = _runner(path, common, reuse_parse=args[0] == "build")
        outcome = runner.invoke([*args, *common])
    except Exception as exc:  # dbtRunner raises on bad arguments
        raise TransformError(f"dbt {args[0]} could not start: {_first_line(str(exc))}") from exc
    finally:
        _release_warehouse()
    if outcome.exception is not None:
        raise TransformError(
            f"dbt {' '.join(args[:2])} failed on {path}: {_first_line(str(outcome.exception))} "
            f"(details in {work / 'logs' / 'dbt.log'})"
        ) from outcome.exception
    return list(getattr(outcome.result, "results", None) or [])


def _release_warehouse() -> None:
    """Close the DuckDB database dbt-duckdb keeps open between invocations in this process.

    dbt-duckdb holds it in a class-level environment that outlives ``invoke`` (its handle count
    is back to 0 but the connection stays open), so the file would stay attached here: a
    read-only open, a copy or a replaced file would see or keep the old database instance."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager as manager

    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


def _raise_on_failures(results: list) -> None:
    failed = [r for r in results if str(r.status) in _FAILED]
    if not failed:
        return
    named = "; ".join(
        f"{r.node.resource_type} {_name(r.node)}: {_first_line(r.message)}" for r in failed
    )
    raise TransformError(f"dbt build failed ({len(failed)} nodes): {named}")


def _model_results(path: Path, results: list) -> list[ModelResult]:
    """Models built, in build order, with row counts of the tables (dbt-duckdb reports none)."""
    built = [r for r in results if r.node.resource_type == "model" and str(r.status) == "success"]
    if not built:
        return []
    con = duckdb.connect(str(path))
    try:
        models = []
        for result in built:
            kind = result.node.config.materialized
            relation = _name(result.node)
            rows = (
                con.execute(
                    f'select count(*) from "{result.node.schema}"."{result.node.alias}"'
                ).fetchall()[0][0]
                if kind != "view"
                else 0
            )
            models.append(ModelResult(relation, kind, rows, round(result.execution_time, 3)))
        return models
    finally:
        con.close()


def _name(node) -> str:
    """schema.name of a model; a test's own name (it names the model and columns it checks)."""
    return f"{node.schema}.{node.alias}" if node.resource_type == "model" else node.name


def _first_line(text: object, limit: int = 300) -> str:
    """dbt's multi-line message as one line ("Runtime Error in model x" alone says little)."""
    line = " ".join(part.strip() for part in str(text or "").splitlines() if part.strip())
    return (line[: limit - 3] + "...") if len(line) > limit else line or "no message"


def _yaml_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
