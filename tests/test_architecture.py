"""Data flows one way: sources -> expectations -> warehouse -> transforms; flows/ wires them."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = {"smallcap.calendar", "smallcap.datasets", "smallcap.errors", "smallcap.settings",
          "smallcap.universe", "smallcap.version"}  # fmt: skip
OURS = ("flows", "sources", "expectations", "warehouse", "transforms", "smallcap")
MAY_IMPORT = {
    "sources": {"sources"},
    "expectations": {"expectations"},
    "warehouse": {"warehouse", "expectations"},  # re-validating quarantined rows
    "transforms": {"transforms"},
}


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


@pytest.mark.parametrize("package", [p for p in OURS if p != "flows"])
def test_only_flows_import_prefect(package):
    offenders = [
        str(path.relative_to(ROOT))
        for path in _modules(package)
        if any(name.split(".")[0] == "prefect" for name in _imports(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_lower_layers_import_only_themselves_and_shared_contracts(package):
    allowed = MAY_IMPORT[package]
    offenders = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in _modules(package)
        for name in _imports(path)
        if name.split(".")[0] in OURS and name.split(".")[0] not in allowed and name not in SHARED
    )
    assert offenders == []
