"""The daily flow end to end on the sample source, into a temporary warehouse file."""

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from contracts.datasets import DATASETS
from flows.daily import daily_etl

RUN_DATE = date(2026, 11, 25)
MARTS = ("mart.pe_spread_daily", "mart.etf_flows_daily", "mart.size_rotation_daily")

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_api")]


def _read(path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).df()


def _marts(path) -> dict[str, pd.DataFrame]:
    return {m: _read(path, f"select * from {m} order by all") for m in MARTS}


@pytest.fixture(scope="module")
def twice(tmp_path_factory):
    """Run the flow twice on the same day; keep the marts after each run."""
    path = tmp_path_factory.mktemp("daily") / "sample.duckdb"
    first = daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(path))
    marts_after_first = _marts(path)
    second = daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(path))
    return path, first, second, marts_after_first


def test_first_run_loads_every_dataset_and_builds_the_marts(twice, data_docs_dir):
    _, first, _, marts = twice

    assert first.status == "success"
    assert {name: first.datasets[name].rows_loaded > 0 for name in DATASETS} == {
        name: True for name in DATASETS
    }
    assert all(len(frame) > 0 for frame in marts.values())
    assert {(s, lg) for s, lg, *_ in first.latest_discounts} == {
        ("IWM", "SPY"),
        ("IJR", "IVV"),
        ("DES", "SPY"),
    }
    index = data_docs_dir.resolve() / "sample" / "site" / "index.html"
    assert first.data_docs == str(index) and index.is_file()


def test_each_run_writes_the_html_report_and_its_artifact_links_it(twice):
    path, first, second, _ = twice
    page = path.parent / "reports" / "sample.html"

    assert first.html_report == second.html_report == str(page)
    assert f"Report: {page.as_uri()}" in second.to_markdown()
    assert "P/E discount of small vs large caps" in page.read_text()


def test_the_snapshot_shows_the_finished_run_in_data_freshness(twice):
    path, _, second, _ = twice
    snapshot = path.parent / "bi" / "sample.duckdb"

    rows = _read(
        snapshot,
        "select distinct last_run_id, last_run_status, sessions_behind "
        "from mart.data_freshness where dataset = 'prices'",
    )

    assert rows.to_dict("records") == [
        {"last_run_id": second.run_id, "last_run_status": "success", "sessions_behind": 0}
    ]


def test_second_run_same_day_changes_no_row_and_adds_one_ledger_row(twice):
    path, first, second, marts_after_first = twice

    assert sum(d.rows_changed for d in second.datasets.values()) == 0
    for name, frame in _marts(path).items():
        pd.testing.assert_frame_equal(frame, marts_after_first[name], obj=name)
    runs = _read(path, "select run_id, status from audit.runs order by started_at")
    assert list(runs["run_id"]) == [first.run_id, second.run_id]
    assert set(runs["status"]) == {"success"}


def test_no_key_is_duplicated_in_core(twice):
    path = twice[0]
    for ds in DATASETS.values():
        keys = ", ".join(ds.key)
        dupes = _read(path, f"select {keys}, count(*) n from {ds.table} group by all having n > 1")
        assert dupes.empty, ds.table


def test_pe_spread_mart_equals_an_independent_recomputation(twice):
    path = twice[0]
    funds = _read(
        path,
        "select ticker, asof_date as date, trailing_pe, trailing_pe_source, quote_trailing_pe "
        "from core.fundamentals_daily",
    )
    pairs = _read(path, "select * from core.spread_pairs")
    expected = []
    for small, large in pairs.itertuples(index=False):
        s = funds[funds.ticker == small]
        lg = funds[funds.ticker == large]
        m = s.merge(lg, on="date", suffixes=("_s", "_l")).sort_values("date")
        # the holdings' P/E on both sides where both have it, else the quote's (DES has no
        # holdings P/E in the sample, so DES/SPY compares quote with quote)
        both_holdings = (m.trailing_pe_source_s == "holdings") & (
            m.trailing_pe_source_l == "holdings"
        )
        m["small_pe"] = m.trailing_pe_s.where(both_holdings, m.quote_trailing_pe_s)
        m["large_pe"] = m.trailing_pe_l.where(both_holdings, m.quote_trailing_pe_l)
        m = m[(m.small_pe > 0) & (m.large_pe > 0)].reset_index(drop=True)
        disc = 1 - m.small_pe / m.large_pe
        roll = disc.rolling(252, min_periods=1)
        z = (disc - roll.mean()) / roll.std(ddof=1)
        z[disc.rolling(252, min_periods=1).count() < 20] = np.nan
        expected.append(
            pd.DataFrame(
                {
                    "date": m.date,
                    "small_ticker": small,
                    "large_ticker": large,
                    "pe_spread": m.large_pe - m.small_pe,
                    "discount_pct": disc,
                    "z": z,
                }
            )
        )
    want = pd.concat(expected).sort_values(["small_ticker", "date"]).reset_index(drop=True)
    got = _read(
        path,
        "select date, small_ticker, large_ticker, pe_spread, discount_pct, "
        "discount_zscore_252d as z from mart.pe_spread_daily order by small_ticker, date",
    )

    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-9)


def test_etf_flows_mart_equals_an_independent_recomputation_on_plain_days(twice):
    path = twice[0]
    funds = _read(
        path,
        "select f.ticker, asof_date as date, total_assets as aum, nav_price, "
        "shares_outstanding as shares from core.fundamentals_daily f "
        "join core.universe_tickers u using (ticker) order by ticker, date",
    )
    g = funds.groupby("ticker")
    by_aum = funds.aum - g.aum.shift() * (funds.nav_price / g.nav_price.shift())
    by_shares = (funds.shares - g.shares.shift()) * funds.nav_price
    got = _read(
        path,
        "select ticker, date, est_flow_usd, flow_pct_aum, flow_method, flow_quality "
        "from mart.etf_flows_daily order by ticker, date",
    )
    funds["est_flow_usd"] = by_aum.where(got.flow_method == "aum", by_shares)
    funds["flow_pct_aum"] = funds.est_flow_usd / g.aum.shift()
    # a plain day measures from the previous session's snapshot, by either method
    plain = got.flow_quality == "ok"
    cols = ["ticker", "date", "est_flow_usd", "flow_pct_aum"]

    assert plain.mean() > 0.95
    assert set(got.flow_method[plain]) == {"aum", "shares"}
    pd.testing.assert_frame_equal(
        got.loc[plain, cols].reset_index(drop=True),
        funds.loc[plain, cols].reset_index(drop=True),
        check_dtype=False,
        rtol=1e-9,
    )


def test_the_sample_artefacts_are_flagged_in_the_flows_mart(twice):
    path = twice[0]
    rows = _read(
        path,
        "select ticker, date::varchar as date, est_flow_usd, flow_quality, days_spanned "
        "from mart.etf_flows_daily where (ticker = 'QQQ' and date between '2025-03-10' and "
        "'2025-03-17') or (ticker = 'IJR' and date = '2024-06-10') "
        "or (ticker = 'VB' and date between '2025-07-15' and '2025-07-16') order by ticker, date",
    )
    core = _read(
        path,
        "select asof_date::varchar as date, total_assets, nav_price from core.fundamentals_daily "
        "where ticker = 'QQQ' and asof_date in ('2025-03-10', '2025-03-17')",
    ).set_index("date")

    qqq = rows[rows.ticker == "QQQ"].set_index("date")
    assert list(qqq.flow_quality) == ["ok"] + ["stale_aum"] * 5
    assert qqq.est_flow_usd.iloc[1:5].isna().all()
    fresh, refreshed = core.loc["2025-03-10"], core.loc["2025-03-17"]
    assert qqq.loc["2025-03-17", "est_flow_usd"] == pytest.approx(
        refreshed.total_assets - fresh.total_assets * refreshed.nav_price / fresh.nav_price
    )
    assert qqq.loc["2025-03-17", "days_spanned"] == 5
    split = rows[rows.ticker == "IJR"].iloc[0]
    assert split.flow_quality == "split" and abs(split.est_flow_usd) < 1e9  # not a fake +85 bn
    vb = rows[rows.ticker == "VB"]
    assert list(vb.flow_quality) == ["gap", "gap"] and list(vb.days_spanned.fillna(0)) == [0, 2]


def test_injected_bad_rows_are_quarantined_with_reasons_and_good_rows_load(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLCAP_SAMPLE_BAD_ROWS", "true")
    path = tmp_path / "bad.duckdb"

    report = daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(path))

    quarantined = _read(path, "select ticker, date, close, volume, reason from quarantine.prices")
    assert report.datasets["prices"].rows_quarantined == len(quarantined) >= 7
    assert quarantined["reason"].str.len().gt(0).all()
    reasons = " ".join(quarantined["reason"])
    for fragment in ("close", "high", "volume", "unique", "date"):
        assert fragment in reasons
    loaded_bad = _read(
        path,
        "select count(*) n from core.prices_daily where close <= 0 or close is null "
        "or high < low or volume < 0 or date > date '2026-11-25' or dayofweek(date) in (0, 6)",
    )
    assert loaded_bad["n"].item() == 0
    for name in ("fundamentals", "sector_weights", "rates", "futures"):
        assert _read(path, f"select count(*) n from quarantine.{name}")["n"].item() > 0, name
    # field-level: the snapshots with a negative AUM and a P/E of -5 loaded without those values
    nulled = _read(
        path,
        "select q.reason, f.total_assets, f.trailing_pe, f.nav_price "
        "from quarantine.fundamentals q join core.fundamentals_daily f using (ticker, asof_date) "
        "order by q.reason",
    )
    assert nulled["reason"].str.contains("loaded as NULL").all() and len(nulled) == 2
    assert nulled[["total_assets", "trailing_pe"]].isna().sum().tolist() == [1, 1]
    assert nulled["nav_price"].notna().all()


def test_a_failed_bi_publish_keeps_the_data_and_ends_the_run_partial(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLCAP_BI_STORAGE_VERSION", "latest")  # refused by the publisher
    path = tmp_path / "unpublished.duckdb"

    state = daily_etl(run_date=RUN_DATE, source="sample", warehouse=str(path), return_state=True)

    report = state.result()
    assert state.is_completed() and "BI snapshot could not be published" in state.message
    assert report.status == "partial" and "storage version" in report.publish_error
    runs = _read(path, "select status, message from audit.runs")
    assert runs["status"].tolist() == ["partial"]
    assert "BI snapshot not published" in runs["message"].item()
    assert _read(path, "select count(*) n from core.prices_daily")["n"].item() > 0
    assert not (tmp_path / "bi" / "unpublished.duckdb").exists()
