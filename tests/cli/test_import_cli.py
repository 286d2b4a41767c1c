"""`smallcap import` with the real recorded FRED and Yahoo files: the Fed's easing cycles since
1994 from DFEDTAR/DFEDTARU/DFEDTARL downloads, and IWM vs SPY returns after each first cut equal
to an independent pandas computation, with or without a missing bar."""

import shutil
from datetime import date
from pathlib import Path

import duckdb
import exchange_calendars as xcals
import pandas as pd
import pytest
from fakes import REAL, real_file
from helpers import FED_TARGET_UNIVERSE, ishares_csv, warehouse_checksums
from typer.testing import CliRunner

from cli.main import app

pytestmark = pytest.mark.integration

CYCLES_SINCE_1994 = [
    date(1995, 7, 6),
    date(1998, 9, 29),
    date(2001, 1, 3),
    date(2007, 9, 18),
    date(2019, 8, 1),
    date(2024, 9, 19),
]
HORIZONS = (21, 63, 126, 252, 378, 504)
PRICE_FILES = {
    t: REAL / "prices" / f"{t}_yf-adjclose_factor-attribution.csv" for t in ("IWM", "SPY")
}


def smallcap(universe: Path, *args: str):
    return CliRunner().invoke(
        app, list(args), env={"SMALLCAP_UNIVERSE": str(universe), "COLUMNS": "200"}
    )


def imported(universe: Path, path: Path, dataset: str, file: Path, *extra: str) -> str:
    result = smallcap(
        universe,
        "import",
        "--dataset",
        dataset,
        "--file",
        str(file),
        "--warehouse",
        str(path),
        *extra,
    )
    assert result.exit_code == 0, result.output
    return result.output


def read(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()


@pytest.fixture(scope="module")
def universe(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("universe") / "universe.toml"
    path.write_text(FED_TARGET_UNIVERSE)
    return path


@pytest.fixture(scope="module")
def rates(tmp_path_factory, universe) -> Path:
    """A live warehouse holding the three real FRED target downloads, imported one by one."""
    path = tmp_path_factory.mktemp("rates") / "market.duckdb"
    for series in ("DFEDTAR", "DFEDTARU", "DFEDTARL"):
        imported(universe, path, "rates", real_file(REAL / "rates" / f"{series}_fredgraph.csv"))
    return path


def with_prices(rates: Path, folder: Path, universe: Path, iwm: Path) -> Path:
    path = folder / "market.duckdb"
    shutil.copy(rates, path)
    imported(universe, path, "prices", real_file(PRICE_FILES["SPY"]), "--ticker", "SPY")
    imported(universe, path, "prices", iwm, "--ticker", "IWM")
    return path


@pytest.fixture(scope="module")
def prices(tmp_path_factory, rates, universe) -> Path:
    return with_prices(
        rates, tmp_path_factory.mktemp("prices"), universe, real_file(PRICE_FILES["IWM"])
    )


def closes(path: Path, drop: date | None = None) -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["Date"]).set_index("Date")["Close"]
    return frame.drop(pd.Timestamp(drop)) if drop else frame


def sessions() -> pd.DatetimeIndex:
    return xcals.get_calendar("XNYS", start="1990-01-02", end="2029-12-31").sessions


def end_session(cycle: date, horizon: int) -> date:
    days = sessions()
    return days[days.searchsorted(pd.Timestamp(cycle)) - 1 + horizon].date()


def pandas_returns(drop: date | None = None) -> dict[tuple[date, int], tuple]:
    """(cycle, horizon) -> (small, large, small - large) from the CSV files and the calendar."""
    iwm, spy, days = closes(PRICE_FILES["IWM"], drop), closes(PRICE_FILES["SPY"]), sessions()
    expected = {}
    for cycle in CYCLES_SINCE_1994:
        base = days.searchsorted(pd.Timestamp(cycle)) - 1
        start = days[base]
        for horizon in HORIZONS:
            end = days[base + horizon]
            small = iwm[end] / iwm[start] - 1 if start in iwm.index and end in iwm.index else None
            large = spy[end] / spy[start] - 1 if start in spy.index and end in spy.index else None
            both = small is not None and large is not None
            expected[(cycle, horizon)] = (small, large, small - large if both else None)
    return expected


def mart_returns(path: Path) -> dict[tuple[date, int], tuple]:
    rows = read(
        path,
        "select cycle_start, horizon_sessions, small_return, large_return, small_minus_large "
        "from mart.pair_returns_after_cuts where small_ticker = 'IWM' and large_ticker = 'SPY'",
    )
    return {(c, h): (s, lg, d) for c, h, s, lg, d in rows}


def approx(values: tuple) -> tuple:
    return tuple(None if v is None else pytest.approx(v, rel=1e-9) for v in values)


def test_fred_downloads_give_the_six_easing_cycles_since_1994_each_complete(rates):
    cycles = read(
        rates,
        "select cycle_start, history_complete from mart.rate_cut_cycles "
        "where cycle_start >= '1994-01-01' order by cycle_start",
    )
    seam = read(
        rates,
        "select old_target_upper, new_target_upper, change_bp from mart.fomc_decisions "
        "where effective_date between '2008-12-15' and '2008-12-17'",
    )
    runs = read(rates, "select flow, status, parameters->>'layout' from audit.runs")

    assert cycles == [(c, True) for c in CYCLES_SINCE_1994]
    assert read(
        rates, "select count(*) from mart.rate_cut_cycles where year(cycle_start) in (2022, 2023)"
    ) == [(0,)]
    assert seam == [(1.0, 0.25, -75.0)]
    assert runs == [
        ("import", "success", f"columns observation_date, {s}")
        for s in ("DFEDTAR", "DFEDTARU", "DFEDTARL")
    ]
    assert (rates.parent / "bi" / "market.duckdb").is_file()


def test_imported_prices_give_pair_returns_equal_to_pandas(prices):
    expected, mart = pandas_returns(), mart_returns(prices)

    assert set(mart) == set(expected)
    for key, values in expected.items():
        assert mart[key] == approx(values), key
    assert mart[(date(2019, 8, 1), 252)][2] == pytest.approx(-0.147, abs=5e-4)
    assert mart[(date(1995, 7, 6), 21)][0] is None  # IWM did not exist yet


def test_a_dropped_row_nulls_only_the_returns_on_that_day(tmp_path, rates, universe, prices):
    dropped = end_session(date(2019, 8, 1), 252)  # a middle row: 2020-07-30
    csv = tmp_path / "IWM.csv"
    closes(PRICE_FILES["IWM"], dropped).reset_index().to_csv(csv, index=False)
    path = with_prices(rates, tmp_path, universe, csv)

    before, after = mart_returns(prices), mart_returns(path)

    changed = {key for key in before if after[key] != approx(before[key])}
    assert changed == {(date(2019, 8, 1), 252)}
    assert after[(date(2019, 8, 1), 252)] == approx(
        (None, before[(date(2019, 8, 1), 252)][1], None)
    )
    assert after == {k: approx(v) for k, v in pandas_returns(dropped).items()}


def test_importing_the_same_file_again_changes_nothing(prices, universe):
    before = warehouse_checksums(prices)

    output = imported(universe, prices, "prices", PRICE_FILES["SPY"], "--ticker", "SPY")

    assert "0 new or changed, 0 revisions" in output
    assert warehouse_checksums(prices) == before
    assert read(prices, "select count(*) from audit.revisions") == [(0,)]


def test_unreadable_cells_are_quarantined_with_their_reason(tmp_path, universe):
    path = tmp_path / "market.duckdb"
    lines = [f"2024-01-{d:02d},5.33" for d in range(2, 30)] + ["2024-01-30,abc", "2100-01-04,5.33"]
    csv = tmp_path / "dff.csv"
    csv.write_text("date,value\n" + "\n".join(lines) + "\n")

    output = imported(universe, path, "rates", csv, "--series", "dff", "--source-name", "bloomberg")

    assert "28 rows valid" in output and "2 quarantined" in output
    assert "DFF not in the universe file" in output
    assert sorted(read(path, "select reason from quarantine.rates")) == [
        ("expect_column_values_to_be_between(date)",),
        ("value 'abc' is not a number",),
    ]
    assert read(path, "select distinct source from core.rates_daily") == [("bloomberg",)]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("--dataset", "prices", "--series", "DFF"),
            2,
            "--series does not apply to --dataset prices (use --ticker)",
        ),
        (
            ("--dataset", "dividends"),
            2,
            "--dataset 'dividends': choose from prices, fundamentals, rates, holdings",
        ),
        (("--dataset", "rates", "--source-name", "Big Vendor"), 2, "--source-name 'Big Vendor'"),
        (("--dataset", "rates"), 2, "does not say which series_id it holds: give it with --series"),
        (("--dataset", "prices", "--ticker", "SPY"), 2, "holds no rows of --ticker SPY"),
        (("--dataset", "rates", "--series", "DFF", "--file", "/nonexistent.csv"), 2, "not found"),
    ],
)
def test_bad_import_arguments_fail_with_one_line(tmp_path, universe, args, code, message):
    csv = tmp_path / "values.csv"
    csv.write_text("date,value\n2024-01-02,5.33\n")
    if args[1] == "prices":
        csv.write_text("ticker,date,close\nIWM,2024-01-02,190\n")

    result = smallcap(
        universe, "import", "--file", str(csv), "--warehouse", str(tmp_path / "w.duckdb"), *args
    )

    assert result.exit_code == code, result.output
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_import_holdings_loads_a_saved_issuer_file_and_its_options_are_checked(
    tmp_path: Path,
) -> None:
    lines = [("AAPL", "APPLE INC", "Equity", 700.0, 70.0, 3.5, 200.0)] + [
        (f"S{i:02d}", f"SMALL {i}", "Equity", 100.0, 10.0, 1.0, 100.0) for i in range(3)
    ]
    file = tmp_path / "IVV_2024-06-28.csv"
    file.write_text(ishares_csv(lines, asof="Jun 28, 2024"))
    path = tmp_path / "market.duckdb"
    where = ["--warehouse", str(path)]

    loaded = CliRunner().invoke(
        app, ["import", "--dataset", "holdings", "--fund", "ivv", "--file", str(file), *where]
    )
    no_fund = CliRunner().invoke(app, ["import", "--dataset", "holdings", "--file", str(file)])
    misplaced = CliRunner().invoke(
        app, ["import", "--dataset", "prices", "--fund", "IVV", "--file", str(file)]
    )

    assert loaded.exit_code == 0, loaded.output
    assert "import success" in loaded.output
    with duckdb.connect(str(path), read_only=True) as con:
        held = con.sql(
            "select fund, asof_date::varchar, count(*) from core.fund_holdings group by all"
        ).fetchall()
        flows = con.sql("select flow, status from audit.runs").fetchall()
    assert held == [("IVV", "2024-06-28", 4)]
    assert flows == [("import", "success")]
    assert no_fund.exit_code == 2 and "--fund" in no_fund.output
    assert misplaced.exit_code == 2 and "--fund and --asof apply" in misplaced.output
