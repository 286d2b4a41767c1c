"""Look-through bookkeeping: the configuration the marts read, and the issuer's fund shares.

The issuer's daily file states the fund's shares outstanding, which Yahoo's quote reports with
a lag; the issuer's number is stored in core.fundamentals_daily.shares_outstanding, with
shares_outstanding_source naming the file's format. From then on a Yahoo snapshot of the same
(fund, day) keeps the issuer's number (``keep_issuer_shares``), whichever loads first, so
reloading either source changes nothing and records no revision.
"""

import duckdb
import numpy as np
import pandas as pd

from contracts.datasets import FUNDAMENTALS
from contracts.universe import Universe


def sync_lookthrough(con: duckdb.DuckDBPyConnection, universe: Universe) -> None:
    """Replace core.lookthrough_config and core.megacaps (inside the caller's transaction)."""
    con.execute("delete from core.lookthrough_config")
    con.execute("delete from core.megacaps")
    config = universe.lookthrough
    con.execute("insert into core.lookthrough_config values (?)", [config.min_coverage])
    con.executemany(
        "insert into core.megacaps values (?)", [(t,) for t in dict.fromkeys(config.megacaps)]
    )


def upsert_issuer_shares(
    con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, *, run_id: str
) -> int:
    """Set shares_outstanding of each (fund, asof_date) to the issuer's number, creating the
    snapshot row if Yahoo has none yet; a changed issuer number is recorded as a revision."""
    if frame.empty:
        return 0
    con.register("issuer_shares", frame)
    try:
        con.execute(
            """insert into audit.revisions
               select ?, 'fundamentals', s.fund, cast(s.asof_date as date), 'shares_outstanding',
                      t.shares_outstanding, s.shares_outstanding, now()
               from issuer_shares s
               join core.fundamentals_daily t
                 on t.ticker = s.fund and t.asof_date = cast(s.asof_date as date)
               where t.shares_outstanding_source is not null
                 and t.shares_outstanding is distinct from s.shares_outstanding""",
            [run_id],
        )
        con.execute(
            """insert into core.fundamentals_daily as t
                   (ticker, asof_date, shares_outstanding, shares_outstanding_source, source,
                    run_id, loaded_at)
               select fund, cast(asof_date as date), shares_outstanding, source, source, ?, now()
               from issuer_shares
               on conflict (ticker, asof_date) do update set
                   shares_outstanding = excluded.shares_outstanding,
                   shares_outstanding_source = excluded.shares_outstanding_source,
                   run_id = excluded.run_id,
                   loaded_at = excluded.loaded_at
               where t.shares_outstanding is distinct from excluded.shares_outstanding
                  or t.shares_outstanding_source is distinct from excluded.shares_outstanding_source
            """,
            [run_id],
        )
    finally:
        con.unregister("issuer_shares")
    return len(frame)


def rows_to_load(con: duckdb.DuckDBPyConnection, dataset: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``dataset`` as they should be merged: fundamentals keep the issuer's shares."""
    return keep_issuer_shares(con, frame) if dataset == FUNDAMENTALS.name else frame


def keep_issuer_shares(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (fundamentals rows) with shares_outstanding replaced by the stored issuer
    number wherever an issuer gave one for that (ticker, asof_date)."""
    if frame.empty:
        return frame
    keys = pd.DataFrame(
        {"pos": np.arange(len(frame)), "ticker": frame["ticker"], "asof_date": frame["asof_date"]}
    )
    con.register("incoming_keys", keys)
    try:
        found = con.execute(
            """select k.pos, t.shares_outstanding
               from incoming_keys k
               join core.fundamentals_daily t
                 on t.ticker = k.ticker and t.asof_date = cast(k.asof_date as date)
               where t.shares_outstanding_source is not null"""
        ).fetchall()
    finally:
        con.unregister("incoming_keys")
    if not found:
        return frame
    out = frame.reset_index(drop=True).copy()
    positions, shares = zip(*found, strict=True)
    out.loc[list(positions), "shares_outstanding"] = list(shares)
    return out
