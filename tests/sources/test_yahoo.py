"""Yahoo through the real yfinance 1.7 parsing, fed recorded bodies via ``responses``."""

from __future__ import annotations

import json
import math
import time
from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd
import pytest
import requests

from contracts.calendar import last_complete_day
from contracts.datasets import FUNDAMENTALS, PRICES, SECTOR_WEIGHTS
from contracts.errors import SourceError
from contracts.settings import Settings
from sources.retry import (
    NO_WAIT,
    EmptyResultError,
    PermanentSourceError,
    RetryPolicy,
    TransientSourceError,
)
from sources.yahoo import (
    extract_fundamentals,
    extract_prices,
    fetch_fundamentals,
    fetch_prices,
)
from sources.yahoo_fundamentals import normalize_fundamentals

if TYPE_CHECKING:
    from fakes import YahooMock

NVDA = "historical-via-chart-NVDA-split-2021-02-01-to-2022-01-31.csv.body.json"
MSFT = "historical-via-chart-MSFT-dividends-2021-02-01-to-2022-01-31.csv.body.json"
AAPL = "chart-AAPL-2020-08-31-to-2020-11-07.body.json"
QQQ = "chart-QQQ-2020-01-01-to-2020-01-03.body.json"
EMPTY = "chart-AAPL-2025-02-01-to-2025-02-02-includePrePost-false-interval-1m.body.json"
EVENING = datetime(2026, 1, 5, 18, 0)  # any "now" long after the recorded windows
SETTINGS = Settings(yahoo_requests_per_minute=0, max_failure_ratio=0.5)


def prices(yahoo: YahooMock, ticker: str, start: date, end: date, **kw: object) -> pd.DataFrame:
    options: dict[str, object] = {"session": yahoo.session, "now": EVENING, "retry": NO_WAIT}
    return fetch_prices([ticker], start, end, **{**options, **kw})  # type: ignore[arg-type]


def test_fetch_prices_marks_split_on_its_date(yahoo: YahooMock) -> None:
    yahoo.chart_file("NVDA", NVDA)

    frame = prices(yahoo, "NVDA", date(2021, 7, 15), date(2021, 7, 23))

    assert tuple(frame.columns) == PRICES.columns
    assert frame["date"].dtype == "datetime64[ns]"
    assert list(frame["date"].dt.strftime("%m-%d")) == [
        "07-15", "07-16", "07-19", "07-20", "07-21", "07-22", "07-23",
    ]  # fmt: skip
    splits = frame.set_index(frame["date"].dt.date)["stock_splits"]
    assert splits[date(2021, 7, 20)] == 4.0
    assert (splits.drop(date(2021, 7, 20)) == 0).all()
    assert set(frame["source"]) == {"yahoo"} and set(frame["ticker"]) == {"NVDA"}


def test_fetch_prices_keeps_dividends_on_ex_date_and_close_unadjusted(yahoo: YahooMock) -> None:
    yahoo.chart_file("MSFT", MSFT)

    frame = prices(yahoo, "MSFT", date(2021, 2, 1), date(2022, 1, 31))

    assert len(frame) == 252
    paid = frame.loc[frame["dividends"] > 0, ["date", "dividends"]]
    assert [(d.strftime("%Y-%m-%d"), v) for d, v in paid.itertuples(index=False)] == [
        ("2021-02-17", 0.56), ("2021-05-19", 0.56), ("2021-08-18", 0.56), ("2021-11-17", 0.62),
    ]  # fmt: skip
    before_last_dividend = frame["date"] < "2021-11-17"
    assert (
        frame.loc[before_last_dividend, "adj_close"] < frame.loc[before_last_dividend, "close"]
    ).all()
    assert frame[["ticker", "date"]].duplicated().sum() == 0


def test_fetch_prices_reads_split_and_dividend_in_one_window(yahoo: YahooMock) -> None:
    yahoo.chart_file("AAPL", AAPL)

    frame = prices(yahoo, "AAPL", date(2020, 8, 31), date(2020, 11, 6)).set_index("date")

    assert len(frame) == 49
    assert frame.loc["2020-08-31", "stock_splits"] == 4.0
    assert frame.loc["2020-11-06", "dividends"] == 0.205
    assert frame["volume"].gt(0).all()


def test_window_without_sessions_is_empty_and_asks_nobody(yahoo: YahooMock) -> None:
    frame = prices(yahoo, "AAPL", date(2025, 2, 1), date(2025, 2, 2))  # a weekend

    assert frame.empty and tuple(frame.columns) == PRICES.columns
    assert len(yahoo.rm.calls) == 0


def test_todays_bar_waits_for_the_close(yahoo: YahooMock) -> None:
    yahoo.chart_file("QQQ", QQQ)
    window = (date(2020, 1, 1), date(2020, 1, 2))  # Jan 1 is a holiday: only the 2nd trades

    midday = prices(yahoo, "QQQ", *window, now=datetime(2020, 1, 2, 12, 0))
    evening = prices(yahoo, "QQQ", *window, now=datetime(2020, 1, 2, 16, 30))

    assert midday.empty and yahoo.history_calls("QQQ") == 1
    assert list(evening["date"]) == [pd.Timestamp("2020-01-02")]
    assert evening["close"].item() == pytest.approx(216.16, abs=0.01)
    assert last_complete_day(datetime(2020, 1, 2, 15, 59)) == date(2020, 1, 1)


def test_empty_answer_for_a_trading_window_is_an_error_for_that_key(yahoo: YahooMock) -> None:
    yahoo.chart_file("AAPL", EMPTY)

    with pytest.raises(EmptyResultError, match=r"AAPL 2025-02-03\.\.2025-02-07"):
        prices(yahoo, "AAPL", date(2025, 2, 3), date(2025, 2, 7))

    assert yahoo.history_calls("AAPL") == 1  # permanent: not retried


def test_unknown_symbol_is_permanent_and_not_retried(yahoo: YahooMock) -> None:
    yahoo.unknown("NOPE")

    with pytest.raises(PermanentSourceError, match=r"Yahoo NOPE 2021-07-15\.\.2021-07-23"):
        prices(yahoo, "NOPE", date(2021, 7, 15), date(2021, 7, 23))

    assert yahoo.history_calls("NOPE") == 0  # failed at the timezone probe, once


def test_rate_limit_then_success_is_retried(yahoo: YahooMock) -> None:
    too_many = "Too Many Requests"
    yahoo.chart("NVDA", (429, too_many), (429, too_many), (200, yahoo.real_body(NVDA)))

    frame = prices(yahoo, "NVDA", date(2021, 7, 15), date(2021, 7, 23))

    assert len(frame) == 7
    assert yahoo.history_calls("NVDA") == 3  # yfinance re-asks once itself, then we retry


def test_server_error_forever_fails_after_bounded_quick_retries(yahoo: YahooMock) -> None:
    error = {"code": "Internal Server Error", "description": "Internal Server Error"}
    yahoo.chart("NVDA", (500, json.dumps({"chart": {"result": None, "error": error}})))
    began = time.monotonic()
    policy = RetryPolicy(attempts=3, initial_wait=0, max_wait=0, jitter=0)

    with pytest.raises(TransientSourceError, match=r"NVDA.*Internal Server Error"):
        prices(yahoo, "NVDA", date(2021, 7, 15), date(2021, 7, 23), retry=policy)

    assert yahoo.history_calls("NVDA") == 6  # 3 attempts x (request + yfinance's re-ask)
    assert time.monotonic() - began < 3


def test_timeout_is_transient(yahoo: YahooMock) -> None:
    yahoo.chart("NVDA", (200, requests.exceptions.ReadTimeout("read timed out")))

    with pytest.raises(TransientSourceError, match=r"network error.*ReadTimeout"):
        prices(yahoo, "NVDA", date(2021, 7, 15), date(2021, 7, 23))

    assert yahoo.history_calls("NVDA") == NO_WAIT.attempts


def test_malformed_json_is_transient_and_bounded(yahoo: YahooMock) -> None:
    yahoo.chart("NVDA", (200, '{"chart": {"result": [{"meta": '))

    with pytest.raises(TransientSourceError, match="malformed"):
        prices(yahoo, "NVDA", date(2021, 7, 15), date(2021, 7, 23))

    assert yahoo.history_calls("NVDA") == NO_WAIT.attempts


def test_one_failing_ticker_among_many_is_recorded_and_others_load(yahoo: YahooMock) -> None:
    yahoo.chart_file("NVDA", NVDA)
    yahoo.chart_file("MSFT", MSFT)
    yahoo.chart_file("AAPL", AAPL)
    yahoo.unknown("NOPE")
    windows = {
        "NVDA": (date(2021, 7, 15), date(2021, 7, 23)),
        "MSFT": (date(2021, 11, 15), date(2021, 11, 19)),
        "AAPL": (date(2020, 11, 2), date(2020, 11, 6)),
        "NOPE": (date(2021, 7, 15), date(2021, 7, 23)),
    }

    result = extract_prices(
        windows, session=yahoo.session, settings=SETTINGS, now=EVENING, retry=NO_WAIT
    )

    loaded = result.frames["prices"].groupby("ticker").size().to_dict()
    assert loaded == {"AAPL": 5, "MSFT": 5, "NVDA": 7}
    assert [(f.key, f.error_class) for f in result.failures] == [("NOPE", "PermanentSourceError")]
    assert "NOPE" in result.failures[0].message


def test_mass_failure_trips_the_circuit_breaker(yahoo: YahooMock) -> None:
    yahoo.chart_file("NVDA", NVDA)
    for ticker in ("BAD1", "BAD2", "BAD3"):
        yahoo.chart(ticker, (503, "<html>Service Unavailable</html>"))
    window = (date(2021, 7, 15), date(2021, 7, 23))
    windows = dict.fromkeys(["NVDA", "BAD1", "BAD2", "BAD3"], window)

    with pytest.raises(SourceError, match=r"3 of 4 keys failed.*circuit breaker"):
        extract_prices(
            windows, session=yahoo.session, settings=SETTINGS, now=EVENING, retry=NO_WAIT
        )


def test_no_network_fails_fast_with_a_clear_message(closed_port: int) -> None:
    session = requests.Session()
    session.trust_env = False
    proxy = f"http://127.0.0.1:{closed_port}"
    session.proxies = {"http": proxy, "https": proxy}  # every request is refused locally
    began = time.monotonic()

    with pytest.raises(TransientSourceError, match=r"SPY.*network error"):
        fetch_prices(
            ["SPY"], date(2024, 6, 3), date(2024, 6, 7), session=session, now=EVENING, retry=NO_WAIT
        )

    assert time.monotonic() - began < 5


def test_fund_fundamentals_invert_holdings_ratios_and_split_sectors(yahoo: YahooMock) -> None:
    yahoo.fundamentals("QQQ")

    fundamentals, sectors = fetch_fundamentals(
        ["QQQ"], date(2025, 2, 24), session=yahoo.session, retry=NO_WAIT
    )

    assert tuple(fundamentals.columns) == FUNDAMENTALS.columns
    row = fundamentals.iloc[0]
    assert row["asof_date"] == pd.Timestamp("2025-02-24")
    assert row["trailing_pe"] == pytest.approx(1 / 0.02938)  # ~34.0, beside info.trailingPE 34.3
    assert row["trailing_pe_source"] == "holdings"
    # the quote's own P/E, kept for like-for-like pairs (yfinance lets the v7 quote's 35.07
    # override quoteSummary's 34.29: both recorded)
    assert row["quote_trailing_pe"] == pytest.approx(35.07033)
    assert row["price_to_book"] == pytest.approx(1 / 0.12608)
    assert row["price_to_sales"] == pytest.approx(1 / 0.17008)
    assert row["price_to_cashflow"] == pytest.approx(1 / 0.04314)
    assert row["total_assets"] == 328302690304
    assert row["nav_price"] == 526.07 and row["dividend_yield"] == 0.0054
    assert row["shares_outstanding"] == 393100000
    for missing in ("forward_pe", "median_market_cap", "earnings_growth_3y"):
        assert math.isnan(row[missing])  # Yahoo gave nothing: NULL, not 0
    assert tuple(sectors.columns) == SECTOR_WEIGHTS.columns
    assert len(sectors) == 11 and sectors["weight"].sum() == pytest.approx(1.0, abs=0.001)
    assert sectors.set_index("sector").loc["technology", "weight"] == 0.5083


def test_equity_fundamentals_come_from_info_only(yahoo: YahooMock) -> None:
    yahoo.fundamentals("AAPL")

    fundamentals, sectors = fetch_fundamentals(
        ["AAPL"], date(2025, 2, 14), session=yahoo.session, retry=NO_WAIT
    )

    row = fundamentals.iloc[0]
    assert row["trailing_pe"] == pytest.approx(38.763866)
    assert row["trailing_pe_source"] == "quote" and row["quote_trailing_pe"] == row["trailing_pe"]
    assert row["forward_pe"] == pytest.approx(29.434416)
    assert row["price_to_book"] == pytest.approx(55.114914)
    assert row["dividend_yield"] == pytest.approx(0.00409887)  # a fraction, not 0.41 (%)
    assert row["shares_outstanding"] == 15022100480
    assert math.isnan(row["total_assets"]) and math.isnan(row["price_to_cashflow"])
    assert sectors.empty and tuple(sectors.columns) == SECTOR_WEIGHTS.columns


def test_extract_fundamentals_isolates_an_unknown_ticker(yahoo: YahooMock) -> None:
    yahoo.fundamentals("QQQ")
    yahoo.fundamentals("AAPL")
    yahoo.unknown("NOPE")

    result = extract_fundamentals(
        ["QQQ", "AAPL", "NOPE"], date(2025, 2, 24), session=yahoo.session, settings=SETTINGS,
        retry=NO_WAIT,
    )  # fmt: skip

    assert list(result.frames["fundamentals"]["ticker"]) == ["QQQ", "AAPL"]
    assert set(result.frames["sector_weights"]["ticker"]) == {"QQQ"}
    assert [(f.key, f.error_class) for f in result.failures] == [("NOPE", "PermanentSourceError")]


def test_normalize_fundamentals_never_turns_missing_or_zero_ratios_into_numbers() -> None:
    info = {"quoteType": "ETF", "trailingPE": None, "yield": "n/a", "totalAssets": 1.5e9}
    holdings = {"Price/Earnings": 0.0, "Price/Book": pd.NA, "Median Market Cap": 2.1e9}

    row = normalize_fundamentals("IWM", date(2025, 6, 2), info, holdings).iloc[0]

    assert math.isnan(row["trailing_pe"]) and math.isnan(row["price_to_book"])
    assert row["trailing_pe_source"] is None  # no P/E, no provenance
    assert math.isnan(row["dividend_yield"])
    assert row["median_market_cap"] == 2.1e9 and row["total_assets"] == 1.5e9
