"""The report's queries against real DuckDB files: the bands are the z-score's own window, the
low-quality flow days are found, and a chart without data says which table is empty."""

from pathlib import Path

import numpy as np
import pytest
from helpers import build_marts

from report import queries
from warehouse.connection import warehouse


def test_pe_bands_are_the_mart_zscore_window(sample_warehouse):
    with warehouse(Path(sample_warehouse.warehouse), read_only=True) as con:
        data = queries.pe_discount(con)
        marts = con.execute(
            """select date, small_ticker || ' vs ' || large_ticker as pair, discount_zscore_252d
               from mart.pe_spread_daily where discount_zscore_252d is not null"""
        ).df()

    bands = data.main[data.main["measure"] == "trailing"].merge(marts, on=["date", "pair"])
    zscore = (bands["discount"] - bands["mean"]) / (bands["band1_hi"] - bands["mean"])

    assert len(bands) == len(marts) > 0
    np.testing.assert_allclose(zscore, bands["discount_zscore_252d"], rtol=1e-9)
    assert data.variant == "trailing and forward"  # the look-through gives the forward P/E


def _fund(con, ticker: str, day: str, aum: float, nav: float) -> None:
    con.execute(
        "insert into core.fundamentals_daily (ticker, asof_date, trailing_pe, total_assets, "
        "nav_price, source, run_id, loaded_at) values (?, ?, 20, ?, ?, 'sample', 'r', now())",
        [ticker, day, aum, nav],
    )


@pytest.fixture
def stale(con):
    """IWM's AUM repeats on 2025-01-06 while its NAV moves (Yahoo's stale totalAssets)."""
    con.execute("insert into core.universe_tickers values ('IWM', 'small'), ('SPY', 'large')")
    for day, iwm_aum, iwm_nav, spy_aum in [
        ("2025-01-02", 1000.0, 10.0, 5000.0),
        ("2025-01-03", 1100.0, 10.5, 5100.0),
        ("2025-01-06", 1100.0, 10.8, 5050.0),
        ("2025-01-07", 1150.0, 10.9, 5000.0),
    ]:
        _fund(con, "IWM", day, iwm_aum, iwm_nav)
        _fund(con, "SPY", day, spy_aum, 50.0)
    build_marts(con)
    return con


def test_flows_mark_the_days_a_fund_reported_a_stale_aum(stale):
    data = queries.flows(stale)

    rotation = data.main[data.main["series"] == "rotation (small - large)"]
    low = rotation.dropna(subset=["issues"])
    marked = dict(zip(low["date"].dt.strftime("%Y-%m-%d"), low["issues"], strict=True))
    # the stale day, and the refresh day that carries the whole episode's flow (README Methods)
    assert marked == {"2025-01-06": "IWM: stale_aum", "2025-01-07": "IWM: stale_aum"}
    assert str(data.asof) == "2025-01-07"


def test_an_empty_warehouse_names_the_empty_table_per_chart(con):
    assert queries.pe_discount(con).missing.startswith("mart.pe_spread_daily is empty")
    assert queries.relative_performance(con).missing.startswith("core.prices_daily is empty")
    assert "mart.implied_policy_path is absent" in queries.policy_path(con).missing
