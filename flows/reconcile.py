"""The weekly reconcile: re-fetch the last N sessions of every key and rebuild the marts.

Yahoo restates bars and fund snapshots, FRED revises observations; the daily run only looks a
few sessions back. Once a week this run widens the overlap so those revisions land (the loader
records each changed value in audit.revisions), using the daily pipeline unchanged.
"""

from prefect import flow

from flows.daily import daily_etl
from pipeline.report import RunReport


@flow(name="reconcile")
def reconcile(days: int = 20, source: str = "live", warehouse: str | None = None) -> RunReport:
    """Run the daily pipeline for today with a ``days``-session look-back on every dataset."""
    return daily_etl(source=source, warehouse=warehouse, overlap_days=days)
