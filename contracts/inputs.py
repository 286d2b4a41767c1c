"""Values users hand us (command-line flags, settings, Prefect parameters), checked before they
reach a file, a URL or a query: a bad one is one ConfigError line naming what to change.

Keys (tickers, FRED series) must match the universe's patterns, so none carries a quote, a
semicolon or a path; dates must lie inside the NYSE calendar the suites validate against (and,
for live data, not after today); the warehouse must be a plain ``.duckdb`` file path without
``..`` or a MotherDuck ``md:<name>``. Table names never come from here at all (see
tests/test_sql_safety.py).
"""

import re
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from contracts.calendar import new_york_today, session_bounds
from contracts.errors import ConfigError

WAREHOUSE_SUFFIX = ".duckdb"
_MOTHERDUCK = re.compile(r"^md:[A-Za-z_][A-Za-z0-9_]*$")
# quotes and semicolons would end a SQL string literal, the rest are shell and glob specials
_UNSAFE_PATH = re.compile(r"['\";`$*?<>|\\\x00-\x1f]")


def check_keys(
    keys: Iterable[str], pattern: re.Pattern[str], *, what: str, example: str
) -> list[str]:
    """``keys`` as a list, refusing an empty one or any key that does not match ``pattern``."""
    chosen = list(keys)
    if not chosen:
        raise ConfigError(f"no {what} given: name at least one (like {example})")
    bad = [k for k in chosen if not isinstance(k, str) or not pattern.match(k)]
    if bad:
        raise ConfigError(f"invalid {what} {bad}: use symbols like {example}")
    return chosen


def check_day(day: date, *, what: str) -> date:
    """A date inside the NYSE calendar (1990 to three years ahead): outside it no session can
    be told from a holiday, so nothing could be validated."""
    first, last = session_bounds()
    if not first <= day <= last:
        raise ConfigError(
            f"{what} {day} is outside {first}..{last}, the NYSE calendar this pipeline knows; "
            "choose a date inside it"
        )
    return day


def check_run_date(day: date, *, source: str, what: str = "run date") -> date:
    """A run date in the calendar; for live sources also not after today in New York."""
    check_day(day, what=what)
    today = new_york_today()
    if source != "sample" and day > today:
        raise ConfigError(
            f"{what} {day} is after today ({today} in New York): live sources have no data yet"
        )
    return day


def check_window(start: date, end: date, *, source: str, sessions: bool = True) -> None:
    """A [start, end] range (inclusive) of run dates. ``sessions=False`` (FRED series only:
    calendar-day observations, validated without the NYSE calendar) lets it start before the
    calendar, so the Fed target's history can reach back to 1982."""
    if start > end:
        raise ConfigError(f"start {start} is after end {end}; swap them")
    if sessions:
        check_day(start, what="start")
    check_run_date(end, source=source, what="end")


def check_warehouse_path(value: Path | str) -> Path:
    """A local ``.duckdb`` file (absolute or relative, without ``..``).

    MotherDuck (``md:<database>``) is refused up front: the writer lock, the BI publish, the
    restore and the read commands' snapshot fallback all work on a local file, and none of it
    could be tested offline, so an ``md:`` warehouse would fail half-way instead of at once.

    Raises ValueError (settings turn it into a ConfigError naming SMALLCAP_WAREHOUSE); the
    message never repeats the value, which for MotherDuck could carry a token."""
    text = str(value)
    if text.startswith("md:"):
        if not _MOTHERDUCK.match(text):
            raise ValueError(
                "a MotherDuck warehouse is md:<database> (letters, digits, _); give the token "
                "in MOTHERDUCK_TOKEN, never in the name"
            )
        raise ValueError(
            "MotherDuck (md:) warehouses are not supported yet (the writer lock, BI publish and "
            "restore need a local file); use a local .duckdb file"
        )
    if _UNSAFE_PATH.search(text):
        raise ValueError(
            "the warehouse path holds a quote, semicolon, backslash, shell or glob character "
            "or a control character; use a plain file path"
        )
    path = Path(text)
    if ".." in path.parts:
        raise ValueError(
            "the warehouse path climbs out of its folder with '..'; give it without '..' "
            "(an absolute path is fine)"
        )
    if path.suffix != WAREHOUSE_SUFFIX:
        raise ValueError(f"the warehouse must be a {WAREHOUSE_SUFFIX} file")
    return path
