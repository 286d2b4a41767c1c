"""NYSE trading days from exchange_calendars, so holidays and weekends are never called gaps."""

from datetime import date, datetime, time, timedelta
from functools import lru_cache

import exchange_calendars as xcals
import pandas as pd

_EARLIEST = date(1990, 1, 2)
# sessions are projected this far ahead, so a horizon ending after today still has its date
_YEARS_AHEAD = 3
EXCHANGE_TZ = "America/New_York"
SESSION_CLOSE = time(16, 0)


@lru_cache(maxsize=1)
def _nyse() -> xcals.ExchangeCalendar:
    end = pd.Timestamp.today().normalize() + pd.DateOffset(years=_YEARS_AHEAD)
    return xcals.get_calendar("XNYS", start=pd.Timestamp(_EARLIEST), end=end)


def session_bounds() -> tuple[date, date]:
    """The first and last session the NYSE calendar knows (1990-01-02 to three years ahead)."""
    cal = _nyse()
    return cal.first_session.date(), cal.last_session.date()


def trading_days(start: date, end: date) -> list[date]:
    """NYSE sessions in [start, end], both ends inclusive."""
    if end < start:
        return []
    cal = _nyse()
    lo = max(start, cal.first_session.date())
    hi = min(end, cal.last_session.date())
    if hi < lo:
        return []
    return list(cal.sessions_in_range(pd.Timestamp(lo), pd.Timestamp(hi)).date)


def all_sessions() -> list[date]:
    """Every NYSE session the calendar holds: 1990-01-02 to three years from today."""
    cal = _nyse()
    return trading_days(cal.first_session.date(), cal.last_session.date())


def is_trading_day(day: date) -> bool:
    return _nyse().is_session(pd.Timestamp(day))


def trading_days_back(day: date, n: int) -> date:
    """The session ``n`` sessions before ``day`` (or before the last session on or before it)."""
    cal = _nyse()
    ts = cal.date_to_session(pd.Timestamp(day), direction="previous")
    return cal.session_offset(ts, -n).date()


def new_york_today() -> date:
    """The exchange's date, which is what a run date means wherever the machine is."""
    return pd.Timestamp.now(tz=EXCHANGE_TZ).date()


def last_complete_day(now: datetime | None = None) -> date:
    """The latest date whose daily bar is final: today after the close, else yesterday."""
    local = pd.Timestamp(now) if now is not None else pd.Timestamp.now(tz=EXCHANGE_TZ)
    local = local.tz_localize(EXCHANGE_TZ) if local.tzinfo is None else local
    local = local.tz_convert(EXCHANGE_TZ)
    today = local.date()
    return today if local.time() >= SESSION_CLOSE else today - timedelta(days=1)
