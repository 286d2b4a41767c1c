"""Fed funds futures through the real yfinance 1.7 history parsing, bodies built on a recorded
Yahoo chart and served via ``responses``."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import pandas as pd
from fakes import Bar

from contracts.datasets import FUTURES
from contracts.settings import Settings
from sources.retry import NO_WAIT
from sources.yahoo_futures import extract_futures

if TYPE_CHECKING:
    from fakes import YahooMock

EVENING = datetime(2026, 1, 5, 18, 0)
SETTINGS = Settings(yahoo_requests_per_minute=0, max_failure_ratio=0.5)
DAYS = [date(2025, 11, 3), date(2025, 11, 4), date(2025, 11, 5)]


def test_contract_and_front_month_closes_carry_the_month_they_price(yahoo: YahooMock) -> None:
    contract, front = [96.12, 96.1, 96.135], [96.13, 96.13, 96.1325]
    yahoo.bars("ZQZ25.CBT", [Bar(d, c) for d, c in zip(DAYS, contract, strict=True)], "FUTURE")
    yahoo.bars("ZQ=F", [Bar(d, c) for d, c in zip(DAYS, front, strict=True)], "FUTURE")
    windows = {s: (DAYS[0], DAYS[-1]) for s in ("ZQZ25.CBT", "ZQ=F")}

    result = extract_futures(
        windows, session=yahoo.session, settings=SETTINGS, now=EVENING, retry=NO_WAIT
    )

    frame = result.frames["futures"]
    assert tuple(frame.columns) == FUTURES.columns and result.failures == []
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["contract_month"].dtype == "datetime64[ns]"
    rows = frame.assign(date=frame["date"].dt.date, month=frame["contract_month"].dt.date)
    assert rows[["symbol", "date", "close", "month"]].values.tolist() == [
        ["ZQZ25.CBT", date(2025, 11, 3), 96.12, date(2025, 12, 1)],
        ["ZQZ25.CBT", date(2025, 11, 4), 96.1, date(2025, 12, 1)],
        ["ZQZ25.CBT", date(2025, 11, 5), 96.135, date(2025, 12, 1)],
        ["ZQ=F", date(2025, 11, 3), 96.13, date(2025, 11, 1)],
        ["ZQ=F", date(2025, 11, 4), 96.13, date(2025, 11, 1)],
        ["ZQ=F", date(2025, 11, 5), 96.1325, date(2025, 11, 1)],
    ]
    assert set(frame["source"]) == {"yahoo"}


def test_an_unknown_contract_fails_alone_under_the_futures_dataset(yahoo: YahooMock) -> None:
    yahoo.bars("ZQZ25.CBT", [Bar(d, 96.1) for d in DAYS], "FUTURE")
    yahoo.bars("ZQF26.CBT", [Bar(d, 96.2) for d in DAYS], "FUTURE")
    yahoo.unknown("ZQG26.CBT")
    windows = {s: (DAYS[0], DAYS[-1]) for s in ("ZQZ25.CBT", "ZQF26.CBT", "ZQG26.CBT")}

    result = extract_futures(
        windows, session=yahoo.session, settings=SETTINGS, now=EVENING, retry=NO_WAIT
    )

    assert sorted(set(result.frames["futures"]["symbol"])) == ["ZQF26.CBT", "ZQZ25.CBT"]
    assert [(f.dataset, f.key, f.error_class) for f in result.failures] == [
        ("futures", "ZQG26.CBT", "PermanentSourceError")
    ]


def test_an_empty_window_gives_a_typed_empty_frame(yahoo: YahooMock) -> None:
    result = extract_futures(
        {"ZQ=F": (date(2025, 11, 8), date(2025, 11, 9))},  # a weekend: nobody is asked
        session=yahoo.session, settings=SETTINGS, now=EVENING, retry=NO_WAIT,
    )  # fmt: skip

    frame = result.frames["futures"]
    assert frame.empty and tuple(frame.columns) == FUTURES.columns
    assert isinstance(frame, pd.DataFrame) and len(yahoo.rm.calls) == 0
