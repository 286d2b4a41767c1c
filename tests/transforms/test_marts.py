"""dbt-style unit tests: a few hand-written core rows in, exact mart rows out."""

import pytest

FUND = (
    "insert into core.fundamentals_daily (ticker, asof_date, trailing_pe, total_assets, "
    "nav_price, source, run_id, loaded_at) values (?, ?, ?, ?, ?, 'sample', 'r', now())"
)


@pytest.fixture
def seeded(seed, build, query):
    seed("insert into core.universe_tickers values ('IWM', 'small'), ('SPY', 'large')")
    seed("insert into core.spread_pairs values ('IWM', 'SPY')")
    seed(
        FUND,
        [
            ("IWM", "2025-01-02", 18.0, 1000.0, 10.0),
            ("IWM", "2025-01-03", 20.0, 1200.0, 11.0),
            ("SPY", "2025-01-02", 24.0, 5000.0, 50.0),
            ("SPY", "2025-01-03", 25.0, 4900.0, 50.0),
        ],
    )
    results = build()
    return query, results


def test_build_reports_every_model_with_rows_of_the_tables(seeded):
    _, results = seeded
    built = {r.relation: (r.materialized, r.rows) for r in results}

    assert built["mart.pe_spread_daily"] == ("incremental", 2)
    assert built["mart.etf_flows_daily"] == ("incremental", 4)
    assert built["staging.stg_fund_snapshots"] == ("view", 0)
    assert all(r.seconds >= 0 for r in results)


def test_pe_spread_is_large_minus_small_and_discount_is_relative(seeded):
    query, _ = seeded
    rows = query(
        "select date::varchar, small_ticker, large_ticker, small_pe, large_pe, pe_spread, "
        "round(discount_pct, 6), discount_zscore_252d from mart.pe_spread_daily order by date"
    )

    assert rows == [
        ("2025-01-02", "IWM", "SPY", 18.0, 24.0, 6.0, 0.25, None),
        ("2025-01-03", "IWM", "SPY", 20.0, 25.0, 5.0, 0.2, None),
    ]


def test_etf_flow_is_aum_change_not_explained_by_nav_return(seeded):
    query, _ = seeded
    rows = query(
        "select date::varchar, ticker, round(est_flow_usd, 6), round(flow_pct_aum, 6), "
        "round(flow_5d_usd, 6) from mart.etf_flows_daily order by ticker, date"
    )

    # IWM: 1200 - 1000 * 11/10 = 100 (10% of prior AUM); SPY: 4900 - 5000 * 1 = -100
    assert rows == [
        ("2025-01-02", "IWM", None, None, None),
        ("2025-01-03", "IWM", 100.0, 0.1, 100.0),
        ("2025-01-02", "SPY", None, None, None),
        ("2025-01-03", "SPY", -100.0, -0.02, -100.0),
    ]


def test_size_rotation_nets_small_against_large_flows(seeded):
    query, _ = seeded
    rows = query(
        "select date::varchar, small_flow_usd, large_flow_usd, rotation_usd, "
        "round(rotation_pct_aum, 6), small_funds_covered, large_funds_covered "
        "from mart.size_rotation_daily order by date"
    )

    # the first day has snapshots but nothing to measure a flow from: covered by no fund
    assert rows == [
        ("2025-01-02", None, None, None, None, 0, 0),
        ("2025-01-03", 100.0, -100.0, 200.0, 0.12, 1, 1),
    ]


def test_discount_zscore_appears_after_twenty_snapshots(seed, build, query):
    seed("insert into core.universe_tickers values ('IWM', 'small'), ('SPY', 'large')")
    seed("insert into core.spread_pairs values ('IWM', 'SPY')")
    rows = []
    for i in range(25):
        day = f"2025-02-{i + 1:02d}"
        rows += [("IWM", day, 15.0 + (i % 5), 1.0, 1.0), ("SPY", day, 25.0, 1.0, 1.0)]
    seed(FUND, rows)
    build(select="+pe_spread_daily")

    rows = query(
        "select zscore_window_obs, discount_zscore_252d from mart.pe_spread_daily order by date"
    )
    discounts = [1 - (15.0 + (i % 5)) / 25.0 for i in range(20)]
    mean = sum(discounts) / 20
    std = (sum((d - mean) ** 2 for d in discounts) / 19) ** 0.5

    assert [z for _, z in rows[:19]] == [None] * 19
    assert rows[19][0] == 20
    assert rows[19][1] == pytest.approx((discounts[19] - mean) / std)
