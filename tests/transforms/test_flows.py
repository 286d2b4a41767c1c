"""Flow estimates on constructed snapshot series, one artefact per fund: a stale AUM, a split,
a missing NAV or snapshot, a zero AUM, current and lagging share counts. One build for all."""

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from transforms.build import build_models
from warehouse.connection import warehouse

# NYSE sessions of February 2025 (the 17th was Presidents' Day)
D = ["2025-02-03", "2025-02-04", "2025-02-05", "2025-02-06", "2025-02-07", "2025-02-10",
     "2025-02-11", "2025-02-12"]  # fmt: skip
FUND = (
    "insert into core.fundamentals_daily (ticker, asof_date, total_assets, nav_price, "
    "shares_outstanding, source, run_id, loaded_at) values (?, ?, ?, ?, ?, 'sample', 'r', now())"
)
BAR = (
    "insert into core.prices_daily (ticker, date, close, stock_splits, source, run_id, "
    "loaded_at) values (?, ?, ?, ?, 'sample', 'r', now())"
)


def _series(
    ticker: str, aum: Sequence, nav: Sequence, shares: Sequence | None = None, days=D
) -> list[tuple]:
    shares = shares or [None] * len(aum)
    return [(ticker, day, a, n, s) for day, a, n, s in zip(days, aum, nav, shares, strict=False)]


# a fund's true history: 100 shares while the NAV falls ~4 %, then 10 shares created on day 5
TRUE_NAV = [10.0, 9.9, 9.8, 9.7, 9.6, 9.78, 9.9]
TRUE_AUM = [s * n for s, n in zip([100] * 5 + [110] * 2, TRUE_NAV, strict=True)]


def _stale(first: int, last: int) -> list[float]:
    """TRUE_AUM as Yahoo might serve it: days first..last repeat the day before them."""
    return [TRUE_AUM[first - 1] if first <= i <= last else a for i, a in enumerate(TRUE_AUM)]


SNAPSHOTS = [
    # AUM frozen on days 1-3 while the NAV moves; refreshes on day 4
    *_series("STALE", [1000, 1000, 1000, 1000, 1150, 1160], [10, 10.5, 10.2, 10.8, 11, 11.1]),
    # the same true history, fresh and with the AUM stale for 2 and for 4 days
    *_series("FRESH", TRUE_AUM, TRUE_NAV),
    *_series("STALE2", _stale(3, 4), TRUE_NAV),
    *_series("STALE4", _stale(1, 4), TRUE_NAV),
    # 2:1 split on day 2: NAV per share halves, AUM does not move
    *_series("SPLIT", [1000, 1010, 1012, 1020], [10, 10.1, 5.06, 5.1]),
    # 2:1 split with current share counts: the count doubles, the NAV halves
    *_series("SPLITSH", [1000, 1010, 1010, 1025.1], [10, 10.1, 5.05, 5.1], [100, 100, 200, 201]),
    # NAV missing on day 2
    *_series("NONAV", [1000, 1030, 1040, 1070, 1080], [10, 10.2, None, 10.5, 10.6]),
    # no snapshot at all on day 2
    *_series("NOSNAP", [1000, 1030, 1070], [10, 10.2, 10.5], days=[D[0], D[1], D[3]]),
    # a launch from zero AUM, and a zero AUM in the middle of a history
    *_series("ZERO", [0, 500, 510], [10, 10, 10.2]),
    *_series("ZEROMID", [1000, 0, 1020], [10, 10, 10.2]),
    # shares x NAV = AUM: the share count is current
    *_series("SHARES", [1000, 103 * 10.2, 101 * 10.1], [10, 10.2, 10.1], [100, 103, 101]),
    # the count lags a day behind the AUM: not current, so the AUM method
    *_series("LAGGING", [1000, 103 * 10.2, 101 * 10.1], [10, 10.2, 10.1], [100, 100, 103]),
    # the issuer's daily count while Yahoo's AUM lags a day: the count is current all the same
    *_series("ISSUER", [1000, 100 * 10.2, 103 * 10.1], [10, 10.2, 10.1], [100, 103, 101]),
]
SMALL = ("STALE", "FRESH", "STALE2", "STALE4", "SPLIT", "SPLITSH", "NONAV", "NOSNAP")
LARGE = ("ZERO", "ZEROMID", "SHARES", "LAGGING")
OTHER = ("ISSUER",)  # in no rotation basket, so the rotation test's coverage counts hold


@pytest.fixture(scope="module")
def flows(models_dir: Path) -> Callable[[str], list[tuple]]:
    path = models_dir / "flows.duckdb"
    with warehouse(path) as con:
        con.executemany(
            "insert into core.universe_tickers values (?, ?)",
            [(t, "small") for t in SMALL]
            + [(t, "large") for t in LARGE]
            + [(t, "index") for t in OTHER],
        )
        con.executemany(FUND, SNAPSHOTS)
        con.execute(
            "update core.fundamentals_daily set shares_outstanding_source = 'ishares' "
            "where ticker = 'ISSUER'"
        )
        con.executemany(BAR, [("SPLIT", D[2], 50.6, 2.0), ("SPLITSH", D[2], 50.5, 2.0)])
    build_models(path, select="+etf_flows_daily +size_rotation_daily")

    def query(sql: str) -> list[tuple]:
        with warehouse(path, read_only=True) as con:
            return con.execute(sql).fetchall()

    return query


def _rows(flows, ticker: str, columns: str, table: str = "mart.etf_flows_daily") -> list[tuple]:
    return flows(f"select {columns} from {table} where ticker = '{ticker}' order by date")


def test_stale_aum_days_have_no_flow_and_the_refresh_measures_from_the_last_fresh_value(flows):
    rows = _rows(flows, "STALE", "est_flow_usd, flow_quality, days_spanned, flow_method")

    assert rows[:4] == [
        (None, "first", None, None),
        (None, "stale_aum", None, None),
        (None, "stale_aum", None, None),
        (None, "stale_aum", None, None),
    ]
    # AUM change minus the NAV return effect since the last fresh value (day 0)
    assert rows[4][0] == pytest.approx(1150 - 1000 * 11 / 10)
    assert rows[4][1:] == ("stale_aum", 4, "aum")
    assert rows[5][0] == pytest.approx(1160 - 1150 * 11.1 / 11)
    assert rows[5][1:] == ("ok", 1, "aum")


def test_a_window_sum_does_not_depend_on_how_long_the_aum_was_stale(flows):
    sums = flows(
        "select ticker, flow_20d_usd from mart.etf_flows_daily "
        f"where date = '{D[6]}' and ticker in ('FRESH', 'STALE2', 'STALE4') order by ticker"
    )

    # the 10 shares created on day 5 at a NAV of 9.78, whatever Yahoo left stale before
    assert [t for t, _ in sums] == ["FRESH", "STALE2", "STALE4"]
    assert [s for _, s in sums] == pytest.approx([97.8, 97.8, 97.8])


def test_a_split_confirmed_by_the_nav_creates_no_flow(flows):
    rows = _rows(
        flows, "SPLIT", "est_flow_usd, flow_quality, split_factor", "intermediate.int_etf_flows"
    )

    # without the split the NAV "fell" 50 %, a fake inflow of about 506
    assert rows[2][0] == pytest.approx(1012 - 1010 * 5.06 * 2 / 10.1)
    assert rows[2][0] == pytest.approx(0, abs=1e-9)
    assert rows[2][1:] == ("split", 2.0)
    assert rows[3][1:] == ("ok", 1.0)


def test_a_split_with_current_share_counts_uses_split_adjusted_shares(flows):
    rows = _rows(flows, "SPLITSH", "est_flow_usd, flow_quality, flow_method")

    assert rows[2] == (pytest.approx(0), "split", "shares")
    assert rows[3] == (pytest.approx((201 - 200) * 5.1), "ok", "shares")


def test_a_missing_nav_wipes_one_row_and_the_next_spans_it_from_the_last_valid_nav(flows):
    rows = _rows(flows, "NONAV", "est_flow_usd, flow_quality, days_spanned")

    assert rows[2] == (None, "gap", None)
    assert rows[3][0] == pytest.approx(1070 - 1030 * 10.5 / 10.2)
    assert rows[3][1:] == ("gap", 2)
    assert rows[4][1:] == ("ok", 1)


def test_a_missing_snapshot_makes_the_next_flow_span_two_sessions(flows):
    rows = _rows(flows, "NOSNAP", "date::varchar, est_flow_usd, flow_quality, days_spanned")

    assert rows[2][0] == D[3]
    assert rows[2][1] == pytest.approx(1070 - 1030 * 10.5 / 10.2)
    assert rows[2][2:] == ("gap", 2)


def test_zero_or_missing_previous_aum_gives_null_never_infinity(flows):
    zero = _rows(flows, "ZERO", "est_flow_usd, flow_pct_aum, flow_quality")
    middle = _rows(flows, "ZEROMID", "est_flow_usd, flow_pct_aum, flow_quality, days_spanned")

    assert zero[:2] == [(None, None, "first"), (None, None, "first")]
    assert zero[2] == (pytest.approx(510 - 500 * 1.02), pytest.approx(0), "ok")
    assert middle[1] == (None, None, "gap", None)
    assert middle[2] == (pytest.approx(0), pytest.approx(0), "gap", 2)
    infinite = flows(
        "select count(*) from mart.etf_flows_daily where isinf(flow_pct_aum) or isinf(est_flow_usd)"
    )
    assert infinite == [(0,)]


def test_current_share_counts_use_the_shares_method_and_lagging_ones_the_aum_method(flows):
    shares = _rows(flows, "SHARES", "est_flow_usd, flow_method")
    lagging = _rows(flows, "LAGGING", "est_flow_usd, flow_method")

    assert shares[1:] == [(pytest.approx(3 * 10.2), "shares"), (pytest.approx(-2 * 10.1), "shares")]
    assert lagging[1] == (pytest.approx(103 * 10.2 - 1000 * 10.2 / 10), "aum")


def test_the_issuers_share_count_uses_the_shares_method_even_when_yahoos_aum_lags(flows):
    rows = _rows(flows, "ISSUER", "est_flow_usd, flow_method")

    assert rows[1:] == [(pytest.approx(3 * 10.2), "shares"), (pytest.approx(-2 * 10.1), "shares")]


def test_rotation_leads_with_percent_of_covered_aum_and_reports_coverage(flows):
    row = flows("select * exclude (date) from mart.size_rotation_daily where date = '2025-02-05'")[
        0
    ]
    columns = [
        c
        for (c,) in flows(
            "select column_name from information_schema.columns where table_schema = 'mart' "
            "and table_name = 'size_rotation_daily' order by ordinal_position"
        )
    ]

    assert columns[:4] == ["date", "rotation_pct_aum", "small_flow_pct_aum", "large_flow_pct_aum"]
    values = dict(zip(columns[1:], row, strict=True))
    # small: FRESH, STALE2 (fresh until day 3), SPLIT and SPLITSH have a flow on day 2; STALE
    # and STALE4 are stale, NONAV has no NAV and NOSNAP no snapshot that day
    assert (values["small_funds_covered"], values["small_funds_in_basket"]) == (4, 8)
    assert (values["large_funds_covered"], values["large_funds_in_basket"]) == (4, 4)
    small_base = 100 * 9.9 + 100 * 9.9 + 1010 + 1010
    assert values["small_flow_pct_aum"] == pytest.approx(values["small_flow_usd"] / small_base)
