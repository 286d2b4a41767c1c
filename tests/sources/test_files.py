"""Vendor history files read into our datasets: the real layouts found in the wild, and what
happens to a file or a cell that cannot be read."""

from pathlib import Path

import pandas as pd
import pytest

from contracts.datasets import FUNDAMENTALS, PRICES, RATES
from contracts.errors import ConfigError, DataQualityError
from sources.files import READERS, FileRequest


def read(dataset: str, path: Path, key: str | None = None, source: str = "import"):
    return READERS[dataset].read(FileRequest(path, key=key, source_name=source))


def write(tmp_path: Path, text: str, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "key", "ticker", "first", "close", "adj_close", "volume"),
    [
        # classic Yahoo download: Adj Close is there
        (
            "SPY_yahoo-download-1y_spydata.csv",
            "SPY",
            "SPY",
            "2021-10-15",
            445.869995,
            439.223633,
            66260200,
        ),
        # yfinance three-row header names the ticker; OHLC auto-adjusted, no Adj Close
        (
            "IWM_yf-multiindex_lift.csv",
            None,
            "IWM",
            "2015-01-02",
            103.31513214111328,
            103.31513214111328,
            46133100,
        ),
        # unadjusted OHLC plus an EODHD-style adjusted close
        (
            "IWM_unadj-and-adjclose_optimalhorizon.csv",
            "IWM",
            "IWM",
            "2000-05-26",
            91.4375,
            33.4009,
            76800,
        ),
        # a close named after its ticker
        (
            "GSPC_close_macro-regime.csv",
            None,
            "^GSPC",
            "1999-01-04",
            1228.0999755859375,
            1228.0999755859375,
            None,
        ),
        # yfinance's raw download, columns in its own order (Close first), no Adj Close
        (
            "SPY_yf-raw-close_etf-seasonality.csv",
            "SPY",
            "SPY",
            "1993-01-29",
            43.9375,
            43.9375,
            1003200,
        ),
        # the three-row header of an index: the ticker carries its caret
        (
            "GSPC_yf-multiindex_lift.csv",
            None,
            "^GSPC",
            "2015-01-02",
            2058.199951171875,
            2058.199951171875,
            2708700000,
        ),
        # Date,Close with the close already adjusted
        (
            "IWM_yf-adjclose_factor-attribution.csv",
            "IWM",
            "IWM",
            "2000-05-26",
            32.590633392333984,
            32.590633392333984,
            None,
        ),
    ],
)
def test_price_files_in_every_real_layout_become_price_rows(
    real_fixtures, name, key, ticker, first, close, adj_close, volume
):
    parsed = read("prices", real_fixtures / "prices" / name, key)

    frame = parsed.frames["prices"]
    assert tuple(frame.columns) == PRICES.columns
    assert parsed.rejected["prices"].empty
    row = frame.iloc[0]
    assert (row["ticker"], row["date"]) == (ticker, pd.Timestamp(first))
    assert (row["close"], row["adj_close"]) == (close, adj_close)
    assert row["volume"] == volume if volume else pd.isna(row["volume"])
    assert (row["dividends"], row["stock_splits"], row["source"]) == (0.0, 0.0, "import")
    assert frame["date"].dtype == "datetime64[ns]" and frame["date"].is_monotonic_increasing
    assert any("adj_close = close" in n for n in parsed.notes) == (close == adj_close)


@pytest.mark.parametrize(
    ("name", "key", "series", "rows", "nulls"),
    [
        ("DFEDTAR_fredgraph.csv", None, "DFEDTAR", 9577, 0),
        ("DFEDTARU_fredgraph-oldheader_traderjohns.csv", None, "DFEDTARU", None, 0),
        ("DGS10_fredgraph-oldheader_traderjohns.csv", None, "DGS10", None, 693),  # FRED's '.'
        ("DGS10_codex-macro-monitor.csv", "DGS10", "DGS10", None, None),  # empty cells
        ("DFF_treasury-desk.csv", "dff", "DFF", None, 0),  # "1.250" and "3.6300000000"
    ],
)
def test_fred_files_become_rate_rows_with_missing_days_as_null(
    real_fixtures, name, key, series, rows, nulls
):
    parsed = read("rates", real_fixtures / "rates" / name, key and key.upper())

    frame = parsed.frames["rates"]
    assert tuple(frame.columns) == RATES.columns
    assert set(frame["series_id"]) == {series}
    assert parsed.rejected["rates"].empty
    assert rows is None or len(frame) == rows
    missing = int(frame["value"].isna().sum())
    assert missing == nulls if nulls is not None else missing > 0
    assert (frame["value"].dropna() != 0).any()


def test_a_file_that_does_not_name_its_key_needs_the_option(real_fixtures):
    with pytest.raises(ConfigError, match=r"does not say which series_id .* --series"):
        read("rates", real_fixtures / "rates" / "DFF_treasury-desk.csv")
    with pytest.raises(ConfigError, match=r"does not say which ticker .* --ticker"):
        read("prices", real_fixtures / "prices" / "SPY_yahoo-download-1y_spydata.csv")


def test_the_option_narrows_a_file_to_its_key_and_must_match_one(real_fixtures, tmp_path):
    path = write(tmp_path, "ticker,date,close\nIWM,2024-01-02,190\nSPY,2024-01-02,470\n")

    assert list(read("prices", path, "SPY").frames["prices"]["ticker"]) == ["SPY"]
    with pytest.raises(ConfigError, match=r"holds no rows of --series DFF \(it holds DFEDTAR\)"):
        read("rates", real_fixtures / "rates" / "DFEDTAR_fredgraph.csv", "DFF")


def test_unreadable_cells_come_back_with_their_reason(tmp_path):
    path = write(
        tmp_path,
        "observation_date,DFF\n2024-01-02,5.33\n2024-01-03,abc\n01/04/2024,5.33\n2024-01-05,.\n"
        "2999-01-02,5.33\n",
    )

    parsed = read("rates", path)

    assert parsed.frames["rates"]["value"].tolist()[0] == 5.33
    assert pd.isna(parsed.frames["rates"]["value"].tolist()[1])  # FRED's '.' is NULL, not bad
    assert parsed.rejected["rates"]["reason"].tolist() == [
        "value 'abc' is not a number",
        "unreadable date '01/04/2024' (expected YYYY-MM-DD, 1700..2200)",
        "unreadable date '2999-01-02' (expected YYYY-MM-DD, 1700..2200)",
    ]


def test_canonical_prices_fill_empty_actions_with_zero_and_reject_bad_tickers(tmp_path):
    path = write(
        tmp_path,
        "ticker,date,close,adj_close,dividends,stock_splits\n"
        "iwm,2024-01-02,190,189,,\nI W M,2024-01-03,191,190,0.5,0\n",
    )

    parsed = read("prices", path)

    row = parsed.frames["prices"].iloc[0]
    assert (row["ticker"], row["dividends"], row["stock_splits"]) == ("IWM", 0.0, 0.0)
    assert parsed.rejected["prices"]["reason"].tolist() == ["ticker 'I W M' is not valid"]


def test_canonical_fundamentals_take_any_subset_of_the_columns(tmp_path):
    path = write(tmp_path, "asof_date,trailing_pe,total_assets\n2020-06-30,15.2,4.1e10\n")

    frame = read("fundamentals", path, "IWM", source="morningstar").frames["fundamentals"]

    assert tuple(frame.columns) == FUNDAMENTALS.columns
    row = frame.iloc[0]
    assert (row["ticker"], row["trailing_pe"], row["total_assets"]) == ("IWM", 15.2, 4.1e10)
    assert pd.isna(row["forward_pe"]) and row["source"] == "morningstar"


def test_parquet_files_read_like_csv_including_a_date_index(tmp_path):
    frame = pd.DataFrame(
        {"Close": [190.0, 191.5], "Volume": [1000, 2000]},
        index=pd.DatetimeIndex(["2024-01-02", "2024-01-03"], name="Date").tz_localize(
            "America/New_York"
        ),
    )
    path = tmp_path / "iwm.parquet"
    frame.to_parquet(path)

    parsed = read("prices", path, "IWM").frames["prices"]

    assert parsed["date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert parsed["close"].tolist() == [190.0, 191.5]


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("Date,Close,Bid\n2024-01-02,1,2\n", ConfigError, r"columns \['Bid'\] are not prices"),
        ("Date,Open\n2024-01-02,1\n", ConfigError, r"needs columns \['date', 'close'\]"),
        ("Date,Close\n", DataQualityError, "holds no rows"),
    ],
)
def test_a_file_that_is_not_the_dataset_fails_with_one_line(tmp_path, text, error, message):
    with pytest.raises(error, match=message) as raised:
        read("prices", write(tmp_path, text), "IWM")

    assert "\n" not in str(raised.value)


def test_a_missing_file_names_it(tmp_path):
    with pytest.raises(ConfigError, match=r"file .*nope.csv not found"):
        read("rates", tmp_path / "nope.csv", "DFF")


def test_an_unadjusted_close_and_its_adjusted_close_are_read_as_written(real_fixtures):
    # IJR split 3:1 on 2005-06-09: the raw close drops to a third, the adjusted one does not
    path = real_fixtures / "prices" / "IJR_unadj-and-adjclose_optimalhorizon.csv"

    frame = read("prices", path, "IJR").frames["prices"].set_index("date")

    before, after = frame.loc["2005-06-08"], frame.loc["2005-06-09"]
    assert (before["close"], after["close"]) == (161.23, 54.24)
    assert (before["adj_close"], after["adj_close"]) == (21.0705, 21.2652)
    assert after["stock_splits"] == 0.0  # the file has no split column: nothing is inferred


def test_the_real_range_bounds_read_as_one_series_each(real_fixtures):
    lower = read("rates", real_fixtures / "rates" / "DFEDTARL_fredgraph.csv").frames["rates"]
    upper = read("rates", real_fixtures / "rates" / "DFEDTARU_fredgraph.csv").frames["rates"]

    days = lower.merge(upper, on="date", suffixes=("_lower", "_upper"))
    assert len(days) == len(lower) == len(upper)
    assert (days["value_upper"] - days["value_lower"]).round(2).eq(0.25).all()
    assert days.set_index("date").loc["2024-09-19", ["value_upper", "value_lower"]].tolist() == [
        5.0,
        4.75,
    ]


def test_canonical_rates_name_their_series_in_a_column(tmp_path):
    path = write(tmp_path, "series_id,date,value\ndff,2024-01-02,5.33\nDGS10,2024-01-02,\n")

    frame = read("rates", path).frames["rates"]

    assert frame["series_id"].tolist() == ["DFF", "DGS10"]
    assert frame["value"].tolist()[0] == 5.33 and pd.isna(frame["value"].tolist()[1])


def test_fundamentals_read_the_pe_definition_as_a_label_not_a_number(tmp_path):
    path = write(
        tmp_path,
        "ticker,asof_date,trailing_pe,trailing_pe_source\n"
        "IWM,2024-01-02,15.2, Holdings\nIWM,2024-01-03,15.3,\nIWM,2024-01-04,15.4,vendor\n",
    )

    parsed = read("fundamentals", path)

    frame = parsed.frames["fundamentals"]
    assert parsed.rejected["fundamentals"].empty
    # an unknown label is the suite's to quarantine (field-level), so it comes through as read
    assert frame["trailing_pe_source"].tolist() == ["holdings", None, "vendor"]
    assert frame["trailing_pe"].tolist() == [15.2, 15.3, 15.4]


def test_fundamentals_without_a_pe_definition_leave_it_null(tmp_path):
    path = write(tmp_path, "date,trailing_pe\n2024-01-02,15.2\n")

    frame = read("fundamentals", path, "IWM").frames["fundamentals"]

    assert frame["trailing_pe_source"].tolist() == [None]


def test_two_closes_named_after_tickers_are_refused(tmp_path):
    path = write(tmp_path, "Date,IWM,SPY\n2024-01-02,190,470\n")

    with pytest.raises(ConfigError, match=r"columns \['IWM', 'SPY'\] are not prices"):
        read("prices", path)


def test_reading_the_same_file_twice_gives_the_same_rows(real_fixtures):
    path = real_fixtures / "rates" / "DGS10_fredgraph-oldheader_traderjohns.csv"

    first, second = read("rates", path), read("rates", path)

    pd.testing.assert_frame_equal(first.frames["rates"], second.frames["rates"])
