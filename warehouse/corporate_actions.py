"""What core.prices_daily already knows per ticker: where its history starts and which days
carry a dividend or a split, so a new one in today's batch can be told apart from a known one."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import duckdb


@dataclass(frozen=True)
class KnownHistory:
    first_date: date
    action_dates: frozenset[date] = field(default_factory=frozenset)


def known_histories(
    con: duckdb.DuckDBPyConnection, tickers: Iterable[str]
) -> dict[str, KnownHistory]:
    """First loaded date and the dividend/split dates per ticker; tickers without rows are absent.

    A split ratio of 0 or 1 means "no split" (Yahoo sends 0, some feeds 1).
    """
    tickers = sorted(set(tickers))
    if not tickers:
        return {}
    rows = con.execute(
        """
        select
            ticker,
            min(date) as first_date,
            list(date order by date) filter (
                where dividends > 0 or stock_splits not in (0, 1)
            ) as action_dates
        from core.prices_daily
        where ticker in (select unnest(?::varchar[]))
        group by ticker
        """,
        [tickers],
    ).fetchall()
    return {
        ticker: KnownHistory(first, frozenset(actions or ())) for ticker, first, actions in rows
    }
