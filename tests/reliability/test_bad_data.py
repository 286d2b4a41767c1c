"""Bad-data matrix: bad values served by the loopback Yahoo and FRED, through yfinance/fredapi
parsing, our normalisation, the GX suites and the loader, in a live run over a warehouse that
already holds history.

Each case ends one of three documented ways (README, "Bad data"): the rows are quarantined with
their reason, the key is refused with a clear error, or normalisation handles it. In every case
nothing bad reaches core, and the run report says what happened.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from fakes import Bar, Reply, observations_xml
from live_runs import SEED_DATE, UNIVERSE, fred_value, read, run_daily, settings_for

from contracts.errors import ConfigError
from sources.retry import PermanentSourceError
from sources.yahoo import normalize_prices

if TYPE_CHECKING:
    from live_runs import Sources

    from contracts.settings import Settings

RUN = date(2025, 6, 20)  # the window 2025-05-30..06-20 holds Juneteenth (06-19, a holiday)
DAY = date(2025, 6, 11)  # the day a case breaks
NEW_YORK = ZoneInfo("America/New_York")
NOT_NULL_CLOSE = "expect_column_values_to_not_be_null(close)"
POSITIVE_CLOSE = "expect_column_values_to_be_between(close)"
HIGH_LOW = "expect_column_pair_values_a_to_be_greater_than_b(high,low)"
VOLUME = "expect_column_values_to_be_between(volume)"
SESSIONS = "expect_column_values_to_be_nyse_sessions(date)"
JUMP = "expect_bars_to_have_no_unexplained_jump(ticker,date,close,stock_splits)"
REPEAT = "expect_bars_to_not_repeat(ticker,date,open,high,low,close,volume)"
NOT_FUTURE = "expect_column_values_to_be_between(date)"

Edit = Callable[[dict], None]


def position(chart: dict, day: date) -> int | None:
    """Index of ``day``'s bar in a chart result (None when the window does not hold it)."""
    days = [datetime.fromtimestamp(t, NEW_YORK).date() for t in chart["timestamp"]]
    return days.index(day) if day in days else None


def set_bar(day: date, **values: object) -> Edit:
    """Overwrite fields (open, high, low, close, volume, adjclose) of ``day``'s bar."""

    def edit(chart: dict) -> None:
        i = position(chart, day)
        if i is None:
            return
        for name, value in values.items():
            if name == "adjclose":
                chart["indicators"]["adjclose"][0]["adjclose"][i] = value
            else:
                chart["indicators"]["quote"][0][name][i] = value

    return edit


def add_bar(stamp: datetime, close: float) -> Edit:
    """One more bar at ``stamp`` (New York time), inserted in time order."""

    def edit(chart: dict) -> None:
        when = int(stamp.replace(tzinfo=NEW_YORK).timestamp())
        i = sum(t < when for t in chart["timestamp"])
        chart["timestamp"].insert(i, when)
        quote = chart["indicators"]["quote"][0]
        for name, value in (("open", close), ("high", close + 1), ("low", close - 1)):
            quote[name].insert(i, value)
        quote["close"].insert(i, close)
        quote["volume"].insert(i, 123_456)
        chart["indicators"]["adjclose"][0]["adjclose"].insert(i, close)

    return edit


def repeat_bar(day: date, times: int) -> Edit:
    """The ``times`` bars after ``day`` replay ``day``'s bar (a stale feed)."""

    def edit(chart: dict) -> None:
        i = position(chart, day)
        if i is None:
            return
        quote = chart["indicators"]["quote"][0]
        for name in ("open", "high", "low", "close", "volume"):
            quote[name][i + 1 : i + 1 + times] = [quote[name][i]] * times

    return edit


def drop_field(name: str) -> Edit:
    return lambda chart: chart["indicators"]["quote"][0].pop(name)


def add_field(name: str) -> Edit:
    def edit(chart: dict) -> None:
        quote = chart["indicators"]["quote"][0]
        quote[name] = [1.0] * len(quote["close"])

    return edit


def shift_stamps(hours: float) -> Edit:
    def edit(chart: dict) -> None:
        chart["timestamp"] = [int(t + hours * 3600) for t in chart["timestamp"]]

    return edit


@dataclass(frozen=True)
class Quarantined:
    edit: Edit
    reason: str
    days: tuple[date, ...]


QUARANTINED: dict[str, Quarantined] = {
    "nan-close": Quarantined(set_bar(DAY, close=None), NOT_NULL_CLOSE, (DAY,)),
    "negative-price": Quarantined(set_bar(DAY, close=-3.5), POSITIVE_CLOSE, (DAY,)),
    "high-below-low": Quarantined(set_bar(DAY, high=1.0), HIGH_LOW, (DAY,)),
    "negative-volume": Quarantined(set_bar(DAY, volume=-100), VOLUME, (DAY,)),
    "holiday-bar": Quarantined(
        add_bar(datetime(2025, 6, 19, 9, 30), 300.0), SESSIONS, (date(2025, 6, 19),)
    ),
    "100x-jump-without-split": Quarantined(
        set_bar(DAY, open=30_000.0, high=30_100.0, low=29_900.0, close=30_000.0), JUMP, (DAY,)
    ),
    "same-bar-for-days": Quarantined(
        repeat_bar(DAY, 3), REPEAT, (date(2025, 6, 12), date(2025, 6, 13), date(2025, 6, 16))
    ),
}


@pytest.mark.parametrize("case", QUARANTINED)
def test_bad_bar_is_quarantined_with_its_reason_and_never_reaches_core(
    case: str, sources: Sources, seeded: Path, settings: Settings
) -> None:
    bad = QUARANTINED[case]
    sources.yahoo.edit("IWM", bad.edit)

    report = run_daily(seeded, settings, RUN, groups=["prices"])

    assert report.status == "success", report.to_markdown()
    held = read(
        seeded,
        "select cast(date as varchar), reason, run_id from quarantine.prices where ticker = 'IWM'",
    )
    assert held == [(str(d), bad.reason, report.run_id) for d in bad.days]
    stored = read(seeded, "select date from core.prices_daily where ticker = 'IWM'")
    assert not {d for (d,) in stored} & set(bad.days)  # the good rows around them loaded
    assert max(d for (d,) in stored) == RUN
    assert report.dataset("prices").quarantine_reasons == {bad.reason: len(bad.days)}
    assert f"quarantined {len(bad.days)} prices row(s): {bad.reason}" in report.to_markdown()


KEY_REFUSED: dict[str, tuple[Edit, str]] = {
    "missing-column": (drop_field("volume"), "malformed response"),
    "string-in-close": (set_bar(DAY, close="12,5"), "malformed response"),
    "string-in-volume": (set_bar(DAY, volume="n/a"), "malformed response"),
    # bars stamped at midnight UTC read as New York land on the evening before: Sunday bars
    "timestamps-shifted-by-a-time-zone": (shift_stamps(-13.5), "shifted by a time zone"),
}


@pytest.mark.parametrize("case", KEY_REFUSED)
def test_broken_response_refuses_the_ticker_and_keeps_its_history(
    case: str, sources: Sources, seeded: Path, settings: Settings
) -> None:
    edit, message = KEY_REFUSED[case]
    sources.yahoo.edit("IWM", edit)
    before = read(seeded, "select * from core.prices_daily where ticker = 'IWM' order by all")

    report = run_daily(seeded, settings, RUN, groups=["prices"])

    assert report.status == "partial"
    failures = read(seeded, "select key, error_class, message from audit.extract_failures")
    assert [(k, c) for k, c, _ in failures] == [("IWM", "PermanentSourceError")]
    assert message in failures[0][2]
    assert read(seeded, "select * from core.prices_daily where ticker = 'IWM' order by all") == (
        before
    )
    assert read(seeded, "select count(*) from quarantine.prices") == [(0,)]
    assert any(line.startswith("failed prices key IWM") for line in report.bad_input())
    latest = read(seeded, "select max(date) from core.prices_daily where ticker = 'SPY'")
    assert latest == [(RUN,)]


def test_normalize_refuses_a_history_with_text_where_a_number_belongs() -> None:
    """yfinance 1.7 already fails on text in its chart arrays (cases above); the normaliser
    refuses it too, rather than turning it into a NULL that would load."""
    history = pd.DataFrame(
        {"Open": [1.0], "High": [1.0], "Low": [1.0], "Close": [1.0], "Volume": ["n/a"]},
        index=pd.DatetimeIndex([pd.Timestamp("2025-06-11", tz="America/New_York")]),
    )

    with pytest.raises(PermanentSourceError, match=r"IWM: 1 Volume value\(s\) are not numbers"):
        normalize_prices("IWM", history, date(2025, 6, 11), date(2025, 6, 11))


def test_a_duplicate_bar_keeps_the_first_of_the_day(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    """yfinance 1.7 drops a day's second bar itself (keep='first'); from any other source a
    duplicated key quarantines every row of it (tests/expectations/test_prices_suite.py)."""
    first = sources.yahoo.bar("IWM", DAY).close
    sources.yahoo.edit("IWM", add_bar(datetime(2025, 6, 11, 15, 0), first + 7))

    report = run_daily(seeded, settings, RUN, groups=["prices"])

    assert report.status == "success"
    closes = read(
        seeded, "select close from core.prices_daily where ticker = 'IWM' and date = ?", [DAY]
    )
    assert closes == [(first,)]


def test_a_bar_after_the_run_date_is_dropped_by_the_window(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    sources.yahoo.edit("IWM", add_bar(datetime(2025, 6, 23, 9, 30), 250.0))

    report = run_daily(seeded, settings, RUN, groups=["prices"])

    assert report.status == "success"
    assert read(seeded, "select max(date) from core.prices_daily") == [(RUN,)]
    assert read(seeded, "select count(*) from quarantine.prices") == [(0,)]


def test_an_extra_field_is_ignored(sources: Sources, seeded: Path, settings: Settings) -> None:
    sources.yahoo.edit("IWM", add_field("vwap"))
    sources.fred.daily("DGS2", fred_value("DGS2"))

    report = run_daily(seeded, settings, RUN, groups=["prices"])

    assert report.status == "success"
    assert read(seeded, "select max(date) from core.prices_daily where ticker = 'IWM'") == [(RUN,)]


def test_a_split_in_the_adjusted_feed_rewrites_the_history_it_adjusts(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    """Yahoo's Close is split-adjusted: a 2:1 split shows no price change in the batch. Its
    history before the split is halved, so the ticker is refetched whole and core follows."""
    split_day = date(2025, 6, 16)

    def adjusted(day: date) -> Bar:
        before = sources.yahoo.prices["IWM"] + (day - date(2020, 1, 1)).days / 100
        return Bar(day, before / 2, split=(2, 1) if day == split_day else None)

    sources.yahoo.bars["IWM"] = adjusted
    seed_close = read(
        seeded, "select close from core.prices_daily where ticker='IWM' and date=?", [SEED_DATE]
    )

    report = run_daily(seeded, settings, RUN, groups=["prices"])

    assert report.status == "success"
    closes = dict(read(seeded, "select date, close from core.prices_daily where ticker = 'IWM'"))
    assert closes[SEED_DATE] == pytest.approx(seed_close[0][0] / 2, abs=0.01)
    ordered = [closes[d] for d in sorted(closes)]
    assert max(b / a for a, b in itertools.pairwise(ordered)) < 1.01  # no step
    revised = read(
        seeded, "select count(*) from audit.revisions where key = 'IWM' and \"column\" = 'close'"
    )
    assert revised[0][0] >= 250  # the whole year of history before the split
    # open, high, low, close and adj_close of every rewritten day
    assert report.dataset("prices").revisions == revised[0][0] * 5
    split = read(
        seeded,
        "select stock_splits from core.prices_daily where ticker='IWM' and date=?",
        [split_day],
    )
    assert split == [(2.0,)]


def fred_window(series_id: str, **changes: str) -> bytes:
    """DGS2's usual values over the run's window, with ``changes`` (ISO day -> FRED text)."""
    first = SEED_DATE - timedelta(days=40)
    values = {
        first + timedelta(days=n): fred_value(series_id)(first + timedelta(days=n))
        for n in range((RUN - first).days + 1)
    }
    values |= {date.fromisoformat(day): text for day, text in changes.items()}
    return observations_xml(values)


def test_fred_dot_loads_as_null_never_zero(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    sources.fred.script(
        "series/observations", "DGS2", Reply(body=fred_window("DGS2", **{"2025-06-19": "."}))
    )

    report = run_daily(seeded, settings, RUN, groups=["rates"])

    assert report.status == "success"
    assert read(
        seeded,
        "select value from core.rates_daily where series_id = 'DGS2' and date = '2025-06-19'",
    ) == [(None,)]


def test_fred_future_date_is_quarantined(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    sources.fred.script(
        "series/observations", "DGS2", Reply(body=fred_window("DGS2", **{"2025-06-27": "4.20"}))
    )

    report = run_daily(seeded, settings, RUN, groups=["rates"])

    assert report.status == "success"
    assert read(seeded, "select cast(date as varchar), reason from quarantine.rates") == [
        ("2025-06-27", NOT_FUTURE)
    ]
    assert read(seeded, "select max(date) from core.rates_daily") == [(RUN,)]
    assert report.dataset("rates").quarantine_reasons == {NOT_FUTURE: 1}


def test_fred_text_in_a_value_refuses_the_series(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    sources.fred.script(
        "series/observations", "DGS2", Reply(body=fred_window("DGS2", **{"2025-06-18": "4,21"}))
    )
    before = read(seeded, "select * from core.rates_daily where series_id = 'DGS2' order by all")

    report = run_daily(seeded, settings, RUN, groups=["rates"])

    assert report.status == "partial"
    failures = read(seeded, "select key, error_class, message from audit.extract_failures")
    assert [(k, c) for k, c, _ in failures] == [("DGS2", "PermanentSourceError")]
    assert "could not convert string to float" in failures[0][2]
    assert (
        read(seeded, "select * from core.rates_daily where series_id = 'DGS2' order by all")
        == before
    )


def test_a_revised_old_value_updates_core_and_is_recorded(
    sources: Sources, seeded: Path, settings: Settings
) -> None:
    """Inside the overlap window (30 days for rates, 5 sessions for prices) a changed past
    value is re-fetched, merged, and its old and new value kept in audit.revisions."""
    sources.fred.script(
        "series/observations", "DGS2", Reply(body=fred_window("DGS2", **{"2025-05-20": "9.99"}))
    )
    old_close = sources.yahoo.bar("IWM", date(2025, 6, 4)).close
    sources.yahoo.edit(
        "IWM", set_bar(date(2025, 6, 4), close=old_close + 1, adjclose=old_close + 1)
    )
    old_rate = read(
        seeded, "select value from core.rates_daily where series_id='DGS2' and date='2025-05-20'"
    )[0][0]

    report = run_daily(seeded, settings, RUN, groups=["prices", "rates"])

    assert report.status == "success"
    revisions = read(
        seeded,
        'select dataset, key, cast(date as varchar), "column", old_value, new_value '
        "from audit.revisions order by all",
    )
    assert revisions == [
        ("prices", "IWM", "2025-06-04", "adj_close", old_close, old_close + 1),
        ("prices", "IWM", "2025-06-04", "close", old_close, old_close + 1),
        ("rates", "DGS2", "2025-05-20", "value", old_rate, 9.99),
    ]
    assert read(
        seeded, "select value from core.rates_daily where series_id='DGS2' and date='2025-05-20'"
    ) == [(9.99,)]


def test_an_empty_ticker_list_is_refused_before_anything_runs(
    sources: Sources, seeded: Path, settings: Settings, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text(
        UNIVERSE.replace('small = ["IWM", "IJR"]', "small = []").replace(
            'pairs = [["IWM", "SPY"]]', "pairs = []"
        )
    )
    before = read(seeded, "select count(*) from audit.runs")

    with pytest.raises(ConfigError, match=r"baskets\.small.*at least one ticker"):
        run_daily(seeded, settings_for(tmp_path, sources.fred, SMALLCAP_UNIVERSE=empty), RUN)

    assert read(seeded, "select count(*) from audit.runs") == before
