"""The real iShares IWM file (2025-11-05, 1,962 stock lines) through the live path: served from
a loopback issuer, its constituents quoted by a ``responses`` Yahoo, validated, loaded and
modelled. Every look-through aggregate is compared with a pandas computation straight from the
CSV, and the Yahoo requests of the refresh are counted against the budget.

The quotes are synthetic (no recording quotes 1,962 names): each name's EPS is a fixed
function of its ticker, so about a fifth lose money, some have no estimate and some get no
quote at all, and the aggregates have every case to handle.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd
import pytest
from fakes import QUOTE_URL, real_file

from contracts.settings import Settings
from pipeline import steps
from sources.lookthrough import extract_lookthrough
from sources.retry import NO_WAIT
from transforms.build import build_models
from warehouse.connection import warehouse
from warehouse.universe import sync_universe

if TYPE_CHECKING:
    from fakes import IssuerStub, YahooMock

ASOF = date(2025, 11, 5)
QUOTE_BUDGET = 25
NO_QUOTE_EVERY = 40  # every 40th listed name gets no quote (plus P5N994, unknown to Yahoo)
NO_ESTIMATE_EVERY = 17  # every 17th quoted name has no forward EPS


def _yield(ticker: str) -> float:
    """A fixed trailing earnings yield per name, -5 % .. 15 %: a fifth of the names lose money."""
    return (zlib.crc32(ticker.encode()) % 2000 - 500) / 10_000


def _table(file: Path) -> pd.DataFrame:
    """The file read by pandas alone: the table starts after the 9-line preamble."""
    table = pd.read_csv(file, skiprows=9, encoding="utf-8-sig", thousands=",", na_values="-")
    return table[table["Asset Class"] == "Equity"].reset_index(drop=True)


def _quotes(table: pd.DataFrame, symbols: dict[str, str]) -> pd.DataFrame:
    """Per stock line its Yahoo symbol (the universe's share-class overrides, else as
    written) and the synthetic quote Yahoo will give, NaN where it gives none."""
    lines = table.assign(symbol=[symbols.get(t, t) if isinstance(t, str) else None
                                 for t in table["Ticker"]])  # fmt: skip
    listed = lines["symbol"].notna() & (lines["symbol"] != "P5N994")
    lines["answered"] = listed & (lines.index % NO_QUOTE_EVERY != 1)
    # the file prices three delisted names at 0: Yahoo's answer at that price is quarantined
    # (price > 0), so they count as unquoted
    quoted = lines["answered"] & (lines["Price"] > 0)
    lines["quoted"] = quoted
    lines["price"] = lines["Price"].where(lines["answered"])
    lines["eps"] = (lines["price"] * lines["Ticker"].fillna("").map(_yield)).round(4)
    estimated = quoted & (lines.index % NO_ESTIMATE_EVERY != 3)
    lines["eps_fwd"] = (lines["eps"] + 0.02 * lines["price"]).round(4).where(estimated)
    lines["cap"] = (lines["price"] * 1.0e7).where(quoted)
    return lines


@pytest.fixture
def file(real_fixtures: Path) -> Path:
    return real_file(real_fixtures / "holdings" / "IWM_holdings_2025-11-05.csv")


@pytest.fixture
def loaded(
    file: Path, yahoo: YahooMock, issuer: IssuerStub, tmp_path: Path
) -> tuple[Callable[[str], list[tuple]], pd.DataFrame, int, int]:
    universe = tmp_path / "universe.toml"
    universe.write_text(
        '[baskets]\nsmall = ["IWM"]\nlarge = ["SPY"]\npairs = [["IWM", "SPY"]]\n'
        '[fred]\nseries = ["DFF"]\n'
        f'[holdings]\nIWM = {{ url = "{issuer.serve("/IWM.csv", file.read_bytes())}", '
        'format = "ishares" }\n'
        '[lookthrough]\nsymbols = { MOGA = "MOG-A", CWENA = "CWEN-A", GEFB = "GEF-B" }\n'
    )
    settings = Settings(SMALLCAP_UNIVERSE=universe, yahoo_requests_per_minute=0)
    lines = _quotes(_table(file), settings.universe.lookthrough.symbols)
    yahoo.batch_quotes(
        {
            q.symbol: {  # JSON has no NaN: Yahoo leaves a missing value out (None here)
                "regularMarketPrice": _json(q.price),
                "epsTrailingTwelveMonths": _json(q.eps),
                "epsForward": _json(q.eps_fwd),
                "marketCap": _json(q.cap),
            }
            for q in lines[lines["answered"]].itertuples()
        }
    )

    extraction = extract_lookthrough(
        ["IWM"], ASOF, settings=settings, session=yahoo.session, retry=NO_WAIT
    )
    path = tmp_path / "market.duckdb"
    with warehouse(path) as con:
        sync_universe(con, settings.universe)
    for dataset in ("holdings", "constituent_quotes"):
        outcome = steps.validate(dataset, extraction, run_date=ASOF, settings=settings)
        steps.load_dataset(path, dataset, outcome, extraction, run_id="r1", settings=settings)
    build_models(path, select="+fund_valuation_daily +concentration_daily")

    def query(sql: str) -> list[tuple]:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute(sql).fetchall()

    return query, lines, len(yahoo.rm.calls), yahoo.calls_to(QUOTE_URL)


def _json(value: float) -> float | None:
    return None if pd.isna(value) else float(value)


def test_every_valuation_aggregate_of_the_real_iwm_file_equals_a_pandas_computation(loaded):
    query, lines, _, _ = loaded
    w = lines["Market Value"] / lines["Market Value"].sum()
    quoted = lines["quoted"]
    ty, fy = (lines["eps"] / lines["price"]).where(quoted), lines["eps_fwd"] / lines["price"]
    has_t, has_f = ty.notna(), fy.notna()
    both, loss = has_t & has_f, ty < 0

    [row] = query(
        "select constituents, unmapped, unquoted, coverage_weight, estimate_coverage_weight, "
        "trailing_pe, trailing_pe_ex_losses, forward_pe, forward_pe_ex_losses, "
        "expected_eps_growth, unprofitable_share_count, unprofitable_share_weight, "
        "median_market_cap, note from mart.fund_valuation_daily where fund = 'IWM'"
    )

    assert row == (
        1962,
        3,  # the three '-' lines
        int((lines["symbol"].notna() & ~lines["quoted"]).sum()),
        pytest.approx(w[lines["quoted"]].sum()),
        pytest.approx(w[has_f].sum()),
        pytest.approx(w[has_t].sum() / (w * ty)[has_t].sum()),
        pytest.approx(w[ty > 0].sum() / (w * ty)[ty > 0].sum()),
        pytest.approx(w[has_f].sum() / (w * fy)[has_f].sum()),
        pytest.approx(w[fy > 0].sum() / (w * fy)[fy > 0].sum()),
        pytest.approx((w * fy)[both].sum() / (w * ty)[both].sum() - 1),
        pytest.approx(loss.sum() / has_t.sum()),
        pytest.approx(w[loss].sum() / w[has_t].sum()),
        pytest.approx(lines["cap"].median()),
        None,
    )
    # the same sums as market values over earnings, as an index provider states them
    value, earnings = lines["Market Value"], lines["Market Value"] * ty
    assert row[5] == pytest.approx(value[has_t].sum() / earnings[has_t].sum())
    assert 0.9 < row[3] < 1 and 0.1 < row[10] < 0.4  # the fixture has every case to handle


def test_concentration_of_the_real_iwm_file_equals_a_pandas_computation(loaded):
    query, lines, _, _ = loaded
    w = (lines["Market Value"] / lines["Market Value"].sum()).sort_values(ascending=False)

    [row] = query(
        "select equity_lines, largest_holding, top1_weight, top10_weight, herfindahl, "
        "effective_holdings, megacap_weight from mart.concentration_daily where fund = 'IWM'"
    )

    assert row == (
        1962, lines.loc[w.index[0], "Ticker"], pytest.approx(w.iloc[0]),
        pytest.approx(w.iloc[:10].sum()), pytest.approx((w**2).sum()),
        pytest.approx(1 / (w**2).sum()), 0.0,
    )  # fmt: skip


def test_the_refresh_of_a_2000_name_fund_stays_within_the_yahoo_request_budget(loaded):
    query, lines, yahoo_requests, quote_requests = loaded
    asked = int(lines["symbol"].notna().sum())

    assert asked == 1959
    assert quote_requests == 14  # ceil(1959 / 150)
    assert yahoo_requests <= QUOTE_BUDGET  # crumb and cookie requests included
    # ADRO is listed twice (the stock and its CVR): one quote serves both lines
    quoted = lines.loc[lines["quoted"], "symbol"]
    assert len(quoted) == 1906
    assert query("select count(*) from core.constituent_quotes") == [(quoted.nunique(),)]
