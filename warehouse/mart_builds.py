"""Which dates the marts must recompute: the earliest date of the dated core tables changed
since the last build, or a full refresh when that cannot be proved.

Every daily-grain mart is causal: its row for day t reads source rows of days <= t only (lags,
trailing windows, the last usable snapshot, holdings up to 7 days old), so rows changed on day
D can change mart rows of days >= D and no earlier ones. Every core row carries the time its
current value arrived (``loaded_at``); a build records the latest one it read
(``loaded_through``), so the next build's cut-off is the earliest date of the rows loaded or
revised after it, whichever runs loaded them (a run whose build failed included). Rows deleted
from a dated core table leave no trace there: the code paths that do it (a restore) refresh in
full. The universe tables (pairs, baskets, megacaps, look-through config) are replaced whole by
every run, so their content is compared by fingerprint instead.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import duckdb

# the dated core tables the incremental marts read (directly or through their views), by date
DATED_SOURCES: dict[str, str] = {
    "core.prices_daily": "date",
    "core.fundamentals_daily": "asof_date",
    "core.rates_daily": "date",
    "core.futures_daily": "date",
    "core.fund_holdings": "asof_date",
    "core.constituent_quotes": "asof_date",
}
# replaced whole from the universe file: any change in them refreshes in full
CONFIG_SOURCES = (
    "core.universe_tickers",
    "core.spread_pairs",
    "core.index_pairs",
    "core.lookthrough_config",
    "core.megacaps",
)


@dataclass(frozen=True)
class MartPlan:
    """How to build the marts: ``since`` None means a full refresh, else the incremental marts
    recompute the days from ``since`` on (a day after the newest data when nothing changed)."""

    since: date | None
    reason: str
    loaded_through: datetime | None
    config_fingerprint: str

    @property
    def mode(self) -> str:
        return "full" if self.since is None else "incremental"

    def describe(self) -> str:
        """One line for the run report."""
        if self.since is None:
            return f"marts: full refresh ({self.reason})"
        return f"marts: incremental from {self.since} ({self.reason})"


def plan_build(
    con: duckdb.DuckDBPyConnection,
    *,
    project_fingerprint: str,
    max_lookback_days: int,
    forced: str | None = None,
) -> MartPlan:
    """The plan for the next build. ``forced`` (why) asks for a full refresh; so do a first
    build, a changed dbt project or universe, and a change older than ``max_lookback_days``
    before the newest data (the longest look-back of the incremental marts: such a change
    recomputes most of the history anyway, so one plain rebuild is as cheap and simpler)."""
    loaded_through = _loaded_through(con)
    config = _config_fingerprint(con)

    def full(reason: str) -> MartPlan:
        return MartPlan(None, reason, loaded_through, config)

    if forced:
        return full(forced)
    last = con.execute(
        """select loaded_through, project_fingerprint, config_fingerprint
           from audit.mart_builds order by built_at desc limit 1"""
    ).fetchone()
    if last is None:
        return full("no earlier build recorded")
    previous, project, previous_config = last
    if project != project_fingerprint:
        return full("the dbt project changed")
    if previous_config != config:
        return full("the universe tables changed")
    newest = _newest_date(con)
    if newest is None:
        return full("no dated rows")
    if previous is None:
        return full("the last build read no dated rows")
    since = _changed_since(con, previous)
    if since is None:
        return MartPlan(newest + timedelta(days=1), "nothing changed", loaded_through, config)
    if since < newest - timedelta(days=max_lookback_days):
        return full(f"rows of {since} changed, more than {max_lookback_days} days back")
    return MartPlan(since, f"earliest changed day {since}", loaded_through, config)


def record_build(
    con: duckdb.DuckDBPyConnection, *, run_id: str, plan: MartPlan, project_fingerprint: str
) -> None:
    """Note a successful build: the next plan starts from what this one read."""
    con.execute(
        """insert into audit.mart_builds (run_id, built_at, mode, since_date, reason,
               loaded_through, project_fingerprint, config_fingerprint)
           values (?, now(), ?, ?, ?, ?, ?, ?)""",
        [
            run_id,
            plan.mode,
            plan.since,
            plan.reason,
            plan.loaded_through,
            project_fingerprint,
            plan.config_fingerprint,
        ],
    )


def _loaded_through(con: duckdb.DuckDBPyConnection) -> datetime | None:
    parts = " union all ".join(f"select max(loaded_at) as t from {t}" for t in DATED_SOURCES)
    return con.execute(f"select max(t) from ({parts})").fetchone()[0]


def _newest_date(con: duckdb.DuckDBPyConnection) -> date | None:
    parts = " union all ".join(f'select max("{c}") as d from {t}' for t, c in DATED_SOURCES.items())
    return con.execute(f"select max(d) from ({parts})").fetchone()[0]


def _changed_since(con: duckdb.DuckDBPyConnection, loaded_through: datetime) -> date | None:
    parts = " union all ".join(
        f'select min("{c}") as d from {t} where loaded_at > $through'
        for t, c in DATED_SOURCES.items()
    )
    return con.execute(f"select min(d) from ({parts})", {"through": loaded_through}).fetchone()[0]


def _config_fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """Row count and order-independent hash sum of each universe table."""
    parts = " union all ".join(
        f"select '{t}' as t, count(*) as n, coalesce(sum(hash(x)::hugeint), 0) as h from {t} x"
        for t in CONFIG_SOURCES
    )
    rows = con.execute(f"select t, n, h from ({parts}) order by t").fetchall()
    return ";".join(f"{t}:{n}:{h}" for t, n, h in rows)
