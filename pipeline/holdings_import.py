"""Import a saved issuer holdings file, so history can be built from archives (run kind 'import').

Issuers publish only today's file, so past holdings exist only where someone kept the files.
An import is a run like a daily one: the same validation, quarantine, revisions and ledger
row, the fund's shares outstanding into core.fundamentals_daily, the marts rebuilt and the BI
snapshot published. The file is read before the run opens: a file that cannot be read is a
mistake on the command line, not a failed run. Re-importing the same file changes nothing.
"""

import uuid
from datetime import date
from pathlib import Path

from contracts.calendar import new_york_today
from contracts.datasets import HOLDINGS
from contracts.errors import ConfigError
from contracts.settings import Settings
from contracts.universe import TICKER_RE
from pipeline.imports import IMPORT_FLOW, ImportBatch, import_run
from pipeline.report import RunReport
from sources.extraction import Extraction
from sources.holdings import read_holdings_file

DEFAULT_FORMAT = "ishares"


def import_holdings(
    path: Path,
    *,
    fund: str,
    file: Path,
    asof: date | None = None,
    settings: Settings,
) -> RunReport:
    """Load ``file`` (an issuer holdings file of ``fund``) into the warehouse at ``path``.

    The as-of date is the file's 'Fund Holdings as of' line unless ``asof`` is given (older
    layouts have none). The format is the fund's under [holdings] in the universe file, else
    iShares'."""
    if not TICKER_RE.match(fund):
        raise ConfigError(f"invalid fund {fund!r}: use a ticker like IVV")
    universe = settings.universe
    configured = universe.holdings.get(fund)
    file_format = configured.format if configured is not None else DEFAULT_FORMAT
    holdings, shares = read_holdings_file(
        file, fund=fund, file_format=file_format, symbols=universe.lookthrough.symbols, asof=asof
    )
    extraction = Extraction(frames={HOLDINGS.name: holdings, "fund_shares": shares})
    day = holdings["asof_date"].iloc[0].date() if len(holdings) else asof or new_york_today()
    report = RunReport(
        run_id=f"{IMPORT_FLOW}-{uuid.uuid4()}", source="live", run_date=day, warehouse=str(path)
    )
    parameters = {
        "dataset": HOLDINGS.name,
        "fund": fund,
        "file": str(file),
        "format": file_format,
        "asof": asof,
    }
    return import_run(
        path,
        report,
        parameters=parameters,
        batches=[ImportBatch(HOLDINGS.name, extraction)],
        # a file dated after today is a bad file, whatever its own date says
        validate_as_of=new_york_today(),
        why="a holdings import",
        settings=settings,
    )
