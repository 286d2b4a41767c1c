"""Request budgets count HTTP requests at the session, whichever yfinance call sends them."""

from __future__ import annotations

from datetime import date, datetime

from fakes import yahoo_server

from contracts.settings import Settings
from sources.budget import budgets
from sources.retry import NO_WAIT
from sources.yahoo import extract_prices, fetch_prices

EVENING = datetime(2025, 6, 13, 18, 0)
WINDOW = (date(2025, 6, 2), date(2025, 6, 13))


class CountingBudget:
    """A budget that never waits and counts its permits (the rate is not what is tested)."""

    def __init__(self) -> None:
        self.permits = 0

    def acquire(self) -> float:
        self.permits += 1
        return 0.0


def test_every_http_request_of_a_yfinance_call_takes_one_permit() -> None:
    budget = CountingBudget()
    with yahoo_server({"ZZTOP": 50.0}) as server:
        fetch_prices(
            ["ZZTOP"], *WINDOW, now=EVENING, retry=NO_WAIT, limiter=budget
        )  # one yfinance call

    assert len(server.times) >= 2  # at least the time-zone probe and the chart itself
    assert budget.permits == len(server.times)


def test_a_scoped_budget_replaces_the_in_process_limiter() -> None:
    shared = CountingBudget()
    settings = Settings(yahoo_requests_per_minute=60, max_failure_ratio=0.5)
    with yahoo_server({"ZZSCO": 50.0}) as server, budgets({"yahoo": shared}):
        extraction = extract_prices({"ZZSCO": WINDOW}, settings=settings, now=EVENING)

    assert not extraction.failures
    assert shared.permits == len(server.times) >= 2
