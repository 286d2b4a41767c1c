"""Importing saved issuer holdings files: a run like any other (ledger, validation, marts)."""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from helpers import ishares_csv

from contracts.errors import DataQualityError, SourceError
from contracts.settings import get_settings
from pipeline.holdings_import import import_holdings

REAL_FILE = Path("holdings") / "IWM_holdings_2025-11-05.csv"


def _query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def imported_twice(tmp_path_factory):
    """The real IWM file imported, then imported again."""
    real = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "real"
    if not (real / REAL_FILE).is_file():
        pytest.skip("../shared/fixtures/real is not present")
    path = tmp_path_factory.mktemp("import") / "market.duckdb"
    settings = get_settings()
    first = import_holdings(path, fund="IWM", file=real / REAL_FILE, settings=settings)
    second = import_holdings(path, fund="IWM", file=real / REAL_FILE, settings=settings)
    return path, real / REAL_FILE, first, second


def test_the_real_iwm_file_loads_every_line_and_the_funds_shares(imported_twice):
    path, _, first, _ = imported_twice

    assert first.status == "success" and first.run_date == date(2025, 11, 5)
    assert (
        first.datasets["holdings"].rows_loaded,
        first.datasets["holdings"].rows_quarantined,
    ) == (
        1967,
        0,
    )
    assert _query(
        path,
        "select count(*), round(sum(weight), 6), count(*) filter (where yahoo_ticker is null) "
        "from core.fund_holdings where asset_class = 'Equity'",
    ) == [(1962, 0.9955, 3)]
    assert _query(
        path,
        "select ticker, asof_date::varchar, shares_outstanding, shares_outstanding_source "
        "from core.fundamentals_daily",
    ) == [("IWM", "2025-11-05", 281_300_000.0, "ishares")]


def test_reimporting_the_same_file_changes_nothing(imported_twice):
    path, _, _, second = imported_twice

    assert second.status == "success" and second.datasets["holdings"].rows_changed == 0
    assert _query(path, "select count(*) from audit.revisions") == [(0,)]
    assert _query(path, "select flow, status from audit.runs order by started_at") == [
        ("import", "success"),
        ("import", "success"),
    ]


def test_concentration_of_the_real_file_equals_a_pandas_computation(imported_twice):
    path, file, _, _ = imported_twice
    table = pd.read_csv(file, skiprows=9, encoding="utf-8-sig", thousands=",", na_values="-")
    stocks = table[table["Asset Class"] == "Equity"]
    w = (stocks["Market Value"] / stocks["Market Value"].sum()).sort_values(ascending=False)

    [row] = _query(
        path,
        "select equity_lines, largest_holding, top1_weight, top10_weight, herfindahl, "
        "effective_holdings, megacap_weight from mart.concentration_daily",
    )

    assert row == (
        1962, "BE", pytest.approx(w.iloc[0]), pytest.approx(w.iloc[:10].sum()),
        pytest.approx((w**2).sum()), pytest.approx(1 / (w**2).sum()), 0.0,
    )  # fmt: skip
    assert row[2] == pytest.approx(731_205_514.79 / 68_725_917_166.58)


def test_concentration_of_an_imported_file_equals_a_hand_computation(tmp_path):
    lines = [  # market values in millions; AAPL, MSFT and both Alphabet classes are megacaps
        ("AAPL", "APPLE INC", "Equity", 700.0, 7.0, 1.0, 1.0),
        ("MSFT", "MICROSOFT CORP", "Equity", 600.0, 6.0, 1.0, 1.0),
        ("GOOGL", "ALPHABET INC CLASS A", "Equity", 200.0, 2.0, 1.0, 1.0),
        ("GOOG", "ALPHABET INC CLASS C", "Equity", 100.0, 1.0, 1.0, 1.0),
        *((f"S{i:02d}", f"SMALL {i}", "Equity", 40.0, 0.4, 1.0, 1.0) for i in range(10)),
        ("USD", "USD CASH", "Cash", 2000.0, 20.0, 1.0, 1.0),
        ("ESZ5", "S&P500 EMINI DEC 25", "Futures", 0.0, 0.0, 10.0, 6000.0),
    ]
    file = tmp_path / "IVV_2024-06-28.csv"
    file.write_text(ishares_csv(lines, asof="Jun 28, 2024", shares="1,000,000.00"))
    path = tmp_path / "market.duckdb"

    report = import_holdings(path, fund="IVV", file=file, settings=get_settings())

    # stock: 700 + 600 + 200 + 100 + 10 * 40 = 2000 (the 2000 of cash is not stock), so the
    # weights are .35 .3 .1 .05 and ten of .02: top 10 = .8 + 6 * .02, megacaps .8,
    # Herfindahl .1225 + .09 + .01 + .0025 + 10 * .0004 = .229
    assert report.status == "success"
    assert _query(
        path,
        "select fund, asof_date::varchar, equity_lines, largest_holding, top1_weight, "
        "top10_weight, megacap_weight, herfindahl, effective_holdings, partial "
        "from mart.concentration_daily",
    ) == [
        (
            "IVV", "2024-06-28", 14, "AAPL", pytest.approx(0.35), pytest.approx(0.92),
            pytest.approx(0.8), pytest.approx(0.229), pytest.approx(1 / 0.229), False,
        )
    ]  # fmt: skip


def test_an_older_layout_is_imported_with_the_date_given(tmp_path):
    file = tmp_path / "IJR_2019.csv"
    file.write_text(
        "Ticker,Name,Asset Class,Weight (%),Price,Shares,Market Value,Notional Value,Sector\n"
        '"AAA","AAA INC","Equity","60.00","10.00","60.00","600.00","600.00","IT"\n'
        '"BBB","BBB INC","Equity","40.00","10.00","40.00","400.00","400.00","IT"\n'
    )
    path = tmp_path / "market.duckdb"

    report = import_holdings(
        path, fund="IJR", file=file, asof=date(2019, 12, 31), settings=get_settings()
    )

    assert report.status == "success"
    assert _query(
        path, "select asof_date::varchar, count(*) from core.fund_holdings group by all"
    ) == [("2019-12-31", 2)]
    assert _query(path, "select count(*) from core.fundamentals_daily") == [(0,)]


def test_an_unreadable_file_is_one_error_and_no_run(tmp_path):
    file = tmp_path / "IVV.csv"
    file.write_text("<html>Please log in</html>\n")
    path = tmp_path / "market.duckdb"

    with pytest.raises(SourceError, match="no holdings table"):
        import_holdings(path, fund="IVV", file=file, settings=get_settings())
    assert not path.exists()


def test_a_file_dated_in_the_future_fails_the_run_with_the_reason(tmp_path):
    file = tmp_path / "IVV.csv"
    lines = [(f"S{i:02d}", f"STOCK {i}", "Equity", 1.0, 4.0, 1.0, 1.0) for i in range(25)]
    file.write_text(ishares_csv(lines, asof="Jan 04, 2099"))
    path = tmp_path / "market.duckdb"

    with pytest.raises(DataQualityError, match="failed validation"):
        import_holdings(path, fund="IVV", file=file, settings=get_settings())
    [(status, message)] = _query(path, "select status, message from audit.runs")
    assert status == "failed" and "expect_column_values_to_be_between(asof_date)" in message
