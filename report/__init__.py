"""The HTML report: the marts as charts in one self-contained file (``smallcap report``, and
after every run that publishes a BI snapshot). Reads the warehouse or its snapshot, never writes
it; every query lives in ``report.queries``."""

from dataclasses import dataclass
from pathlib import Path

from report.page import render, write
from warehouse.connection import warehouse


@dataclass(frozen=True)
class ReportResult:
    path: Path
    charts: dict[str, int]  # section -> rows drawn; 0 means the section says "no data"
    missing: dict[str, str]  # section -> why it has no data
    bytes: int


def write_report(
    database: Path,
    out: Path,
    *,
    name: str | None = None,
    lock_timeout: float = 60.0,
    cache_dir: Path | None = None,
) -> ReportResult:
    """Render the report of ``database`` (a warehouse or its BI snapshot; ``name`` defaults to
    the file's stem) into ``out``, atomically; ``cache_dir`` keeps the page's script bundle."""
    with warehouse(database, read_only=True, lock_timeout=lock_timeout) as con:
        page = render(con, name=name or database.stem, cache_dir=cache_dir)
    write(page, out)
    return ReportResult(out, page.charts, page.missing, out.stat().st_size)
