"""A fund's full holdings from its issuer's daily file (iShares CSV), fetched or read from disk.

iShares serves one CSV per fund (UTF-8 with a BOM):

    iShares Russell 2000 ETF                      <- fund name
    Fund Holdings as of,"Nov 05, 2025"            <- as-of date
    Shares Outstanding,"281,300,000.00"           <- the fund's shares outstanding
    ...                                           <- more preamble, a non-breaking-space line
    Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,...
    "BE","BLOOM ENERGY CLASS A CORP","Industrials","Equity","731,205,514.79","1.06",...
    ...                                           <- cash, money-market, futures lines too
    (blank line, then the legal footer)

Older files start directly with the table and order the columns differently (``Shares``
instead of ``Quantity``), so columns are found by name and the as-of date may have to be given.
Mapping (iShares column -> core.fund_holdings):
    Ticker -> holding_ticker ('-' kept: no listing), Name -> name, Sector -> sector,
    Asset Class -> asset_class, Market Value -> market_value (USD),
    Weight (%) -> weight as a fraction (1.06 -> 0.0106), Quantity | Shares -> shares,
    Price -> price (USD); yahoo_ticker from sources.symbols; partial = false.
Numbers drop their thousands separators; '-' or an empty cell is NULL.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import requests

from contracts.datasets import HOLDINGS
from contracts.errors import SourceError
from contracts.lookthrough import HoldingsSource
from sources.retry import (
    PermanentSourceError,
    RetryPolicy,
    TransientSourceError,
    UnreachableError,
    with_retries,
)
from sources.symbols import yahoo_symbol
from sources.yahoo_client import is_unreachable

FUND_SHARES_COLUMNS = ("fund", "asof_date", "shares_outstanding", "source")
USER_AGENT = "Mozilla/5.0 (compatible; smallcap-etl)"

_COLUMNS: dict[str, tuple[str, ...]] = {  # our column -> the issuer's header names
    "holding_ticker": ("ticker",),
    "name": ("name",),
    "sector": ("sector",),
    "asset_class": ("asset class",),
    "market_value": ("market value",),
    "weight": ("weight (%)",),
    "shares": ("quantity", "shares"),
    "price": ("price",),
}
_REQUIRED = ("holding_ticker", "name", "asset_class", "market_value", "weight")
_TEXT = ("fund", "holding_ticker", "name", "sector", "asset_class", "yahoo_ticker", "source")
_DATE_FORMATS = ("%b %d, %Y", "%d-%b-%Y", "%m/%d/%Y", "%Y-%m-%d")


@dataclass(frozen=True)
class IssuerFile:
    """What one issuer file says: its table, plus the preamble's date and fund shares."""

    lines: pd.DataFrame  # _COLUMNS' keys, issuer values parsed
    asof: date | None
    shares_outstanding: float | None


def _number(text: str | None) -> float:
    cleaned = (text or "").strip().replace(",", "")
    if cleaned in ("", "-"):
        return math.nan
    try:
        return float(cleaned)
    except ValueError:
        return math.nan


def _date(text: str) -> date:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unreadable 'Fund Holdings as of' date {text!r}")


def parse_ishares(text: str) -> IssuerFile:
    """Preamble facts and the holdings table of an iShares holdings CSV (either layout)."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header_at = next(
        (i for i, row in enumerate(rows) if row and row[0].strip().lower() == "ticker"), None
    )
    if header_at is None:
        raise ValueError("no holdings table (no line starting with 'Ticker,')")
    preamble = {row[0].strip().lower(): row[1] for row in rows[:header_at] if len(row) >= 2}
    header = [h.strip().lower() for h in rows[header_at]]
    where = {
        ours: next((header.index(n) for n in names if n in header), None)
        for ours, names in _COLUMNS.items()
    }
    missing = [_COLUMNS[c][0] for c in _REQUIRED if where[c] is None]
    if missing:
        raise ValueError(f"holdings table lacks the columns {missing}")
    body = []
    for row in rows[header_at + 1 :]:
        if len(row) < len(header):  # the blank line and legal footer after the table
            break
        body.append(row)
    if not body:
        raise ValueError("the holdings table has no lines")
    text_columns = ("holding_ticker", "name", "sector", "asset_class")
    lines = pd.DataFrame(
        {
            c: [
                (r[i].strip() if c in text_columns else _number(r[i])) if i is not None else None
                for r in body
            ]
            for c, i in where.items()
        }
    )
    asof_text = preamble.get("fund holdings as of")
    shares = _number(preamble.get("shares outstanding"))
    return IssuerFile(
        lines=lines,
        asof=_date(asof_text) if asof_text else None,
        shares_outstanding=shares if shares > 0 else None,
    )


PARSERS = {"ishares": parse_ishares}


def holdings_frame(data: Mapping[str, object] | list[dict[str, object]]) -> pd.DataFrame:
    """HOLDINGS rows with the contract's dtypes (text as str with NaN for missing, dates as
    datetime64[ns], numbers as float64), from columns or records; every source builds its
    frame here so the suite and the loader see one shape."""
    frame = pd.DataFrame(data, columns=list(HOLDINGS.columns))
    numbers = {c: "float64" for c in ("market_value", "weight", "shares", "price")}
    return frame.astype(
        {**dict.fromkeys(_TEXT, "str"), **numbers, "asof_date": "datetime64[ns]", "partial": "bool"}
    )


def fund_shares_frame(rows: list[tuple[str, date, float, str]]) -> pd.DataFrame:
    """The funds' shares outstanding as issuer files state them: FUND_SHARES_COLUMNS rows."""
    frame = pd.DataFrame(rows, columns=list(FUND_SHARES_COLUMNS))
    return frame.astype(
        {
            "fund": "str",
            "asof_date": "datetime64[ns]",
            "shares_outstanding": "float64",
            "source": "str",
        }
    )


def normalize_holdings(
    issuer: IssuerFile,
    *,
    fund: str,
    asof: date,
    source: str,
    symbols: Mapping[str, str],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(HOLDINGS rows, the fund's shares outstanding as FUND_SHARES_COLUMNS) for ``asof``."""
    lines = issuer.lines
    frame = holdings_frame(
        {
            "fund": fund,
            "asof_date": pd.Series(pd.Timestamp(asof), index=lines.index),
            **{c: lines[c] for c in ("holding_ticker", "name", "sector", "asset_class")},
            **{c: lines[c] for c in ("market_value", "shares", "price")},
            "weight": lines["weight"].astype("float64") / 100,
            "yahoo_ticker": [yahoo_symbol(t, symbols) for t in lines["holding_ticker"]],
            "partial": False,
            "source": source,
        }
    )
    shares = issuer.shares_outstanding
    rows = [] if shares is None else [(fund, asof, shares, source)]
    return frame, fund_shares_frame(rows)


def _asof(issuer: IssuerFile, asof: date | None, what: str) -> date:
    """The given date, else the file's own; a file without one needs it given."""
    if asof is not None:
        return asof
    if issuer.asof is None:
        raise SourceError(
            f"{what}: the file has no 'Fund Holdings as of' line (an older layout); "
            "give its date (--asof YYYY-MM-DD)"
        )
    return issuer.asof


def read_holdings_file(
    path: Path,
    *,
    fund: str,
    file_format: str,
    symbols: Mapping[str, str],
    asof: date | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A saved issuer file: (HOLDINGS rows, fund shares); dated by the file unless ``asof``."""
    try:
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    except OSError as exc:
        raise SourceError(f"holdings file {path}: cannot read it ({exc})") from exc
    try:
        issuer = PARSERS[file_format](text)
    except ValueError as exc:
        raise SourceError(f"holdings file {path} ({file_format} format): {exc}") from exc
    what = f"holdings file {path}"
    return normalize_holdings(
        issuer, fund=fund, asof=_asof(issuer, asof, what), source=file_format, symbols=symbols
    )


def _download(url: str, what: str, session: requests.Session | None, timeout: float) -> str:
    get = session.get if session is not None else requests.get
    try:
        response = get(url, timeout=timeout, headers={"User-Agent": USER_AGENT})
    except requests.RequestException as exc:
        text = f"{what}: network error ({type(exc).__name__}: {exc})"
        if is_unreachable(exc):
            raise UnreachableError(text + "; check the network, DNS or proxy") from exc
        raise TransientSourceError(text) from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientSourceError(f"{what}: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentSourceError(
            f"{what}: HTTP {response.status_code}; check the fund's url under [holdings] in "
            "the universe file"
        )
    return response.content.decode("utf-8-sig", errors="replace")


def fetch_issuer_holdings(
    fund: str,
    source: HoldingsSource,
    *,
    symbols: Mapping[str, str],
    session: requests.Session | None = None,
    timeout: float = 30.0,
    retry: RetryPolicy | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Today's issuer file for ``fund``: (HOLDINGS rows, fund shares), dated by the file."""
    what = f"{fund} holdings ({source.format} file)"
    text = with_retries(
        lambda: _download(source.url, what, session, timeout),
        policy=retry or RetryPolicy(),
        what=what,
    )
    try:
        issuer = PARSERS[source.format](text)
    except ValueError as exc:
        raise PermanentSourceError(
            f"{what}: {exc}; the issuer may have changed the file or the url ({source.url})"
        ) from exc
    return normalize_holdings(
        issuer,
        fund=fund,
        asof=_asof(issuer, None, what),
        source=source.format,
        symbols=symbols,
    )
