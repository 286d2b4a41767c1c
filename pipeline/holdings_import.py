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
from pipeline import steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from sources.extraction import Extraction
from sources.holdings import read_holdings_file
from warehouse.connection import warehouse
from warehouse.loader import claim_source_kind
from warehouse.universe import sync_universe

IMPORT_FLOW = "import"
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
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        claim_source_kind(con, "live")
        sync_universe(con, universe)
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
    with run_lifecycle(
        path, report, flow=IMPORT_FLOW, parameters=parameters, settings=settings
    ) as run:
        with run.stage("validate_load"):
            # a file dated after today is a bad file, whatever its own date says
            outcome = steps.validate(
                HOLDINGS.name, extraction, run_date=new_york_today(), settings=settings
            )
            steps.load(
                path,
                HOLDINGS.name,
                outcome,
                extraction,
                run_id=report.run_id,
                report=report,
                settings=settings,
            )
        with run.stage("transform"):
            steps.transform(
                path, report=report, settings=settings, full_refresh="a holdings import"
            )
    return report
