"""Small valid frames for every dataset, on real NYSE sessions, plus a failure checker.

Each test mutates one valid frame so the only failure is the one it is about.
"""

from collections.abc import Callable
from datetime import date

import pandas as pd
import pytest

from contracts.datasets import Dataset
from expectations.runner import ValidationOutcome, validate_batch

RUN_DATE = date(2025, 6, 6)
# Mon 2025-06-02 .. Fri 2025-06-06: five NYSE sessions, none a holiday
SESSIONS = [date(2025, 6, d) for d in range(2, 7)]


@pytest.fixture
def run_date() -> date:
    return RUN_DATE


@pytest.fixture
def prices_frame() -> pd.DataFrame:
    rows = []
    for n, ticker in enumerate(("IWM", "SPY", "^RUT")):
        for i, day in enumerate(SESSIONS):
            close = 100.0 * (n + 1) + i
            rows.append(
                {
                    "ticker": ticker,
                    "date": day,
                    "open": close - 0.5,
                    "high": close + 1.0,
                    "low": close - 1.0,
                    "close": close,
                    "adj_close": close * 0.98,
                    "volume": 1_000_000 + i,
                    "dividends": 0.0,
                    "stock_splits": 0.0,
                    "source": "yahoo",
                }
            )
    return pd.DataFrame(rows)


@pytest.fixture
def fundamentals_frame() -> pd.DataFrame:
    metrics = {
        "trailing_pe": 18.5,
        "forward_pe": 16.0,
        "price_to_book": 2.1,
        "price_to_sales": 1.4,
        "price_to_cashflow": 11.0,
        "median_market_cap": 3.1e9,
        "total_assets": 6.5e10,
        "shares_outstanding": 3.0e8,
        "nav_price": 210.5,
        "dividend_yield": 0.012,
        "earnings_growth_3y": 0.15,
    }
    provenance = {"trailing_pe_source": "holdings", "quote_trailing_pe": 18.7}
    rows = [
        {"ticker": t, "asof_date": d, **metrics, "source": "yahoo", **provenance}
        for t in ("IWM", "IJR")
        for d in (date(2025, 6, 5), RUN_DATE)
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def futures_frame() -> pd.DataFrame:
    rows = [
        {"symbol": s, "date": d, "close": c, "contract_month": m, "source": "yahoo"}
        for s, c, m in (("ZQM25.CBT", 95.69, date(2025, 6, 1)), ("ZQ=F", 95.69, date(2025, 6, 1)))
        for d in SESSIONS
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def sector_weights_frame() -> pd.DataFrame:
    weights = {"technology": 0.15, "healthcare": 0.17, "financial_services": 0.18}
    rows = [
        {"ticker": t, "asof_date": RUN_DATE, "sector": s, "weight": w, "source": "yahoo"}
        for t in ("IWM", "IJR")
        for s, w in weights.items()
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def rates_frame() -> pd.DataFrame:
    # DFF is published for every calendar day, weekends included
    days = [date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2), date(2025, 6, 3)]
    rows = [
        {"series_id": s, "date": d, "value": v, "source": "fred"}
        for s, v in (("DFF", 4.33), ("DGS10", 4.51))
        for d in days
    ]
    return pd.DataFrame(rows)


@pytest.fixture
def holdings_frame() -> pd.DataFrame:
    lines = [  # ticker, name, asset class, market value, weight, shares, price, yahoo symbol
        ("BRKB", "BERKSHIRE HATHAWAY INC CLASS B", "Equity", 1.0e6, 0.5, 2000.0, 500.0, "BRK-B"),
        ("AAPL", "APPLE INC", "Equity", 9.0e5, 0.45, 4500.0, 200.0, "AAPL"),
        ("-", "SAMPLE WARRANTS", "Equity", 0.0, 0.0, 10.0, 0.0, None),
        ("USD", "USD CASH", "Cash", -5.0e4, -0.02, -5.0e4, 1.0, "USD"),  # an overdraft
        ("ESZ5", "S&P500 EMINI DEC 25", "Futures", 0.0, 0.0, -12.0, 6000.0, "ESZ5"),
    ]
    rows = [
        {"fund": "IVV", "asof_date": RUN_DATE, "holding_ticker": t, "name": n, "sector": "IT",
         "asset_class": c, "market_value": mv, "weight": w, "shares": q, "price": p,
         "yahoo_ticker": y, "partial": False, "source": "ishares"}
        for t, n, c, mv, w, q, p, y in lines
    ]  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture
def constituent_quotes_frame() -> pd.DataFrame:
    rows = [  # ticker, price, EPS trailing, forward; P/E only for positive EPS, as Yahoo
        ("AAPL", 244.6, 6.31, 8.31, 38.76, 29.43),
        ("RIVN", 12.0, -4.5, -2.0, None, None),
        ("BRK-B", 480.0, 40.0, None, 12.0, None),
    ]
    return pd.DataFrame(
        [
            {
                "ticker": t,
                "asof_date": RUN_DATE,
                "price": p,
                "market_cap": p * 1e9,
                "shares_outstanding": 1e9,
                "eps_trailing": e,
                "eps_forward": f,
                "eps_current_year": e,
                "trailing_pe": tpe,
                "forward_pe": fpe,
                "currency": "USD",
                "source": "yahoo",
            }
            for t, p, e, f, tpe, fpe in rows
        ]
    )


Check = Callable[[Dataset, pd.DataFrame, str], ValidationOutcome]


@pytest.fixture
def fails_only_row_zero() -> Check:
    """Validate a frame whose row 0 was broken; assert it alone is quarantined for ``reason``."""

    def check(dataset: Dataset, frame: pd.DataFrame, reason: str) -> ValidationOutcome:
        outcome = validate_batch(dataset, frame, run_date=RUN_DATE)
        assert outcome.quarantined["reason"].tolist() == [reason]
        pd.testing.assert_frame_equal(
            outcome.quarantined.drop(columns="reason"), frame.iloc[[0]].reset_index(drop=True)
        )
        pd.testing.assert_frame_equal(outcome.valid, frame.iloc[1:].reset_index(drop=True))
        failed = {r.expectation: r.unexpected_count for r in outcome.results if not r.success}
        assert failed == {reason: 1}
        return outcome

    return check


@pytest.fixture
def passes_all() -> Callable[[Dataset, pd.DataFrame], ValidationOutcome]:
    def check(dataset: Dataset, frame: pd.DataFrame) -> ValidationOutcome:
        outcome = validate_batch(dataset, frame, run_date=RUN_DATE)
        assert outcome.quarantined.empty
        pd.testing.assert_frame_equal(outcome.valid, frame.reset_index(drop=True))
        assert all(r.success and r.unexpected_count == 0 for r in outcome.results)
        return outcome

    return check
