"""Benchmark sizes: a scaled sample universe per preset.

Every preset keeps the configured universe (its funds, pairs and FRED series, so the marts have
data) and adds synthetic tickers until it holds ``tickers``. The added tickers sit in the
``index`` basket: they get daily bars only, like the constituents of a fund, whereas the sample
source would give every fund a daily snapshot plus eleven sector weights, which no universe of
thousands of stocks has.
"""

from dataclasses import dataclass
from datetime import date

# the history ends on a Thursday and the daily run adds the Friday: no holiday, no ex-date
HISTORY_END = date(2025, 7, 10)
RUN_DATE = date(2025, 7, 11)


@dataclass(frozen=True)
class Preset:
    name: str
    tickers: int  # in all, configured ones included
    years: int  # of history before the daily run
    chunk_tickers: int  # tickers per validate+load batch: memory follows one batch
    backfill_years: int = 20
    backfill_tickers: int = 10  # tickers whose backfill requests are counted, then scaled
    minimal: bool = False  # one pair and one FRED series instead of the configured universe
    workers: int = 2  # processes generating the input (0: in the measuring process)
    # the look-through: distinct constituents across the funds with an issuer file (about
    # 3,000 at the constituents issue's scale) and the sessions of daily snapshots loaded
    constituents: int = 300
    holdings_sessions: int = 20


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        # keeps the runner working inside `make test`
        Preset(
            "tiny",
            tickers=4,
            years=1,
            chunk_tickers=4,
            backfill_years=1,
            backfill_tickers=1,
            minimal=True,
            workers=0,
            constituents=30,
            holdings_sessions=2,
        ),
        Preset("small", tickers=100, years=5, chunk_tickers=50),
        Preset(
            "medium",
            tickers=1_000,
            years=10,
            chunk_tickers=250,
            constituents=1_000,
            holdings_sessions=60,
        ),
        # a year of daily issuer files for ~3,000 names: ~0.9M holdings lines, ~0.75M quotes
        Preset(
            "large",
            tickers=3_000,
            years=10,
            chunk_tickers=250,
            constituents=3_000,
            holdings_sessions=252,
        ),
    )
}
