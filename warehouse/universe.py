"""Mirror the configured universe into the warehouse so SQL models know baskets and pairs."""

import duckdb

from contracts.universe import Universe
from warehouse.lookthrough import sync_lookthrough


def sync_universe(con: duckdb.DuckDBPyConnection, universe: Universe) -> None:
    """Replace core.universe_tickers, core.spread_pairs, core.index_pairs and the look-through
    configuration with the current configuration."""
    con.execute("begin transaction")
    try:
        con.execute("delete from core.universe_tickers")
        con.execute("delete from core.spread_pairs")
        con.execute("delete from core.index_pairs")
        baskets = list({t: b for t, b in reversed(universe.basket_rows())}.items())
        con.executemany("insert into core.universe_tickers values (?, ?)", baskets)
        con.executemany("insert into core.spread_pairs values (?, ?)", universe.pairs)
        if universe.index_pairs:
            con.executemany("insert into core.index_pairs values (?, ?)", universe.index_pairs)
        sync_lookthrough(con, universe)
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
