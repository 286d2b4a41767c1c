"""The stack, bottom to top; a package imports only packages below it (and itself):

    contracts      settings, universe, datasets, calendar, errors, version: imports nothing of ours
    sources        extract (yfinance, fredapi, issuer files, sample)   -> contracts
    expectations   validate (GX suites)                                -> contracts
    warehouse      store (DuckDB: migrations, loader, ledger, publish) -> contracts
    transforms     model (the dbt project)                             -> contracts
    report         the HTML report of the marts (Altair, one file)     -> warehouse, contracts
    pipeline       the application: steps, run lifecycle, backfill, quarantine release, report
                                                                        -> the six above
    flows          Prefect orchestration only                          -> pipeline and below
    cli            `smallcap`, the top: nothing imports it             -> everything
    benchmarks     the suite drives the pipeline without Prefect       -> pipeline and below

Every import counts, function-level ones included, so a new cycle fails here. Only flows/
imports prefect (the CLI reaches Prefect through flows/).
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("sources", "expectations", "warehouse", "transforms")
MAY_IMPORT: dict[str, set[str]] = {
    "contracts": {"contracts"},
    **{layer: {layer, "contracts"} for layer in LAYERS},
    "report": {"report", "warehouse", "contracts"},
    "pipeline": {"pipeline", "report", "contracts", *LAYERS},
    "flows": {"flows", "pipeline", "report", "contracts", *LAYERS},
    "cli": {"cli", "flows", "pipeline", "report", "contracts", *LAYERS},
    "benchmarks": {"benchmarks", "pipeline", "report", "contracts", *LAYERS},
}
OURS = set(MAY_IMPORT)


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def test_every_top_level_package_has_a_place_in_the_stack():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages == OURS


@pytest.mark.parametrize("package", sorted(OURS - {"flows"}))
def test_only_flows_import_prefect(package):
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules(package)
        if any(name.split(".")[0] == "prefect" for name in _imports(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("package", sorted(OURS))
def test_packages_import_only_themselves_and_what_lies_below(package):
    allowed = MAY_IMPORT[package]
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules(package)
        for name in _imports(path)
        if name.split(".")[0] in OURS and name.split(".")[0] not in allowed
    )
    assert offenders == []


def test_the_stack_has_no_cycle():
    """The allowed arrows themselves form a DAG, so no pair of packages can import each other."""
    for package, allowed in MAY_IMPORT.items():
        for other in allowed - {package}:
            assert package not in MAY_IMPORT[other], f"{package} <-> {other}"
