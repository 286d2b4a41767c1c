from datetime import date

import numpy as np
import pandas as pd
import pytest

from contracts.calendar import trading_days, trading_days_back
from contracts.datasets import FUNDAMENTALS, FUTURES, PRICES, RATES, SECTOR_WEIGHTS
from contracts.futures import fed_funds_symbols
from sources.sample import (
    BAD_ROWS,
    extract_fundamentals,
    extract_futures,
    extract_prices,
    extract_rates,
    generate_fundamentals,
    generate_futures,
    generate_prices,
    generate_rates,
    generate_sector_weights,
    inject_bad_rows,
)
from sources.sample_funds import LAGGING_SHARES, MISSING_NAV, STALE_AUM

FUNDS = ["IWM", "IJR", "DES", "VB", "SPY", "IVV", "QQQ"]
TICKERS = [*FUNDS, "^RUT", "^GSPC", "^SP600"]
SERIES = ["DFF", "DFEDTARU", "DFEDTARL", "DGS2", "DGS10", "T10Y2Y", "BAMLH0A0HYM2"]
START, END = date(2023, 11, 29), date(2026, 11, 29)


@pytest.fixture(scope="module")
def prices() -> pd.DataFrame:
    return generate_prices(TICKERS, START, END)


@pytest.fixture(scope="module")
def fundamentals() -> pd.DataFrame:
    return generate_fundamentals(FUNDS, START, END)


@pytest.fixture(scope="module")
def sector_weights() -> pd.DataFrame:
    return generate_sector_weights(FUNDS, START, END)


@pytest.fixture(scope="module")
def rates() -> pd.DataFrame:
    return generate_rates(SERIES, START, END)


@pytest.fixture(scope="module")
def futures() -> pd.DataFrame:
    return generate_futures(fed_funds_symbols(date(2025, 11, 14)), START, END)


def _rows(frame: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    return frame[frame[key] == value].reset_index(drop=True)


def test_generate_prices_is_identical_on_a_second_call(prices):
    pd.testing.assert_frame_equal(generate_prices(TICKERS, START, END), prices)


def test_chunked_windows_concatenate_to_the_single_window():
    cuts = [(date(2024, 1, 1), date(2024, 6, 30)), (date(2024, 7, 1), date(2024, 12, 31))]
    for generate, keys in [
        (generate_prices, ["SPY", "FOO"]),
        (generate_fundamentals, ["IWM"]),
        (generate_sector_weights, ["QQQ"]),
        (generate_rates, ["DFF", "DGS10"]),
        (generate_futures, ["ZQZ24.CBT", "ZQ=F"]),
    ]:
        whole = generate(keys, cuts[0][0], cuts[1][1])
        chunks = pd.concat([generate(keys, s, e) for s, e in cuts], ignore_index=True)
        by_key = list(whole.columns[:2])
        pd.testing.assert_frame_equal(
            chunks.sort_values(by_key, kind="stable", ignore_index=True),
            whole.sort_values(by_key, kind="stable", ignore_index=True),
        )


def test_values_do_not_depend_on_the_other_tickers_requested():
    together = generate_prices(["SPY", "IJR"], START, END)
    pd.testing.assert_frame_equal(
        _rows(together, "ticker", "IJR"), generate_prices(["IJR"], START, END)
    )


def test_frames_have_exactly_the_contract_columns(
    prices, fundamentals, sector_weights, rates, futures
):
    for frame, dataset in [
        (prices, PRICES),
        (fundamentals, FUNDAMENTALS),
        (sector_weights, SECTOR_WEIGHTS),
        (rates, RATES),
        (futures, FUTURES),
    ]:
        assert tuple(frame.columns) == dataset.columns
        assert frame[dataset.date_column].dtype == "datetime64[ns]"
        assert (frame[dataset.date_column] == frame[dataset.date_column].dt.normalize()).all()
        assert not frame.duplicated(list(dataset.key)).any()
        assert (frame["source"] == "sample").all()


def test_empty_window_gives_typed_empty_frames():
    frame = generate_prices(["SPY"], date(2024, 12, 25), date(2024, 12, 25))
    assert frame.empty
    assert tuple(frame.columns) == PRICES.columns
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["volume"].dtype == "int64"


def test_prices_fall_only_on_nyse_trading_days(prices):
    sessions = pd.to_datetime(trading_days(START, END)).astype("datetime64[ns]")
    for _, days in prices.groupby("ticker")["date"]:
        assert list(days) == list(sessions)


def test_prices_have_consistent_ohlc_and_volume(prices):
    assert (prices[["open", "high", "low", "close", "adj_close"]] > 0).all().all()
    assert (prices["low"] <= prices[["open", "close"]].min(axis=1)).all()
    assert (prices["high"] >= prices[["open", "close"]].max(axis=1)).all()
    assert prices["volume"].dtype == "int64"
    assert (prices["volume"] >= 0).all()


def test_prices_are_at_plausible_levels(prices):
    last = prices.groupby("ticker")["close"].last()
    assert 400 < last["SPY"] < 800
    assert 150 < last["IWM"] < 300
    assert 8 < last["^GSPC"] / last["SPY"] < 12
    assert 8 < last["^RUT"] / last["IWM"] < 12


def test_window_contains_an_ijr_split_and_no_index_payouts(prices):
    splits = prices[prices["stock_splits"] != 0]
    assert list(splits["ticker"]) == ["IJR"]
    assert splits["stock_splits"].iloc[0] == 2.0
    indexes = prices[prices["ticker"].str.startswith("^")]
    assert (indexes["dividends"] == 0).all()
    assert (indexes["volume"] > 0).all()


@pytest.mark.parametrize("ticker", ["DES", "SPY", "IVV"])
def test_dividends_are_paid_quarterly(prices, ticker):
    paid = _rows(prices, "ticker", ticker).query("dividends > 0")
    assert len(paid) == 12
    assert set(paid["date"].dt.month) == {3, 6, 9, 12}
    gaps = paid["date"].diff().dropna().dt.days
    assert gaps.between(84, 98).all()


def test_adj_close_is_below_close_before_a_dividend_and_equal_for_indexes(prices):
    spy = _rows(prices, "ticker", "SPY")
    assert (spy["adj_close"] <= spy["close"]).all()
    first_ex = spy.index[spy["dividends"] > 0][0]
    assert (spy.loc[: first_ex - 1, "adj_close"] < spy.loc[: first_ex - 1, "close"]).all()
    index = _rows(prices, "ticker", "^GSPC")
    assert (index["adj_close"] == index["close"]).all()


def test_every_quarter_since_the_anchor_has_one_dividend_on_a_session():
    spy = generate_prices(["SPY"], date(2000, 1, 3), date(2026, 12, 31))
    paid = spy[spy["dividends"] > 0]["date"]
    assert len(paid) == 27 * 4
    assert paid.dt.to_period("Q").is_unique


def test_adj_close_ratio_steps_by_the_dividend_factor_on_the_ex_date(prices):
    spy = _rows(prices, "ticker", "SPY")
    ratio = spy["adj_close"] / spy["close"]
    ex = spy.index[spy["dividends"] > 0][0]
    expected = 1 - spy.loc[ex, "dividends"] / spy.loc[ex - 1, "close"]
    assert ratio[ex - 1] / ratio[ex] == pytest.approx(expected, abs=2e-4)


def test_fundamentals_cover_funds_only_with_nan_not_zero_for_missing(fundamentals):
    assert generate_fundamentals(["^RUT"], START, END).empty
    assert set(fundamentals["ticker"]) == set(FUNDS)
    values = fundamentals[list(FUNDAMENTALS.value_columns)]
    assert not (values == 0).any().any()
    assert _rows(fundamentals, "ticker", "DES")["forward_pe"].isna().all()
    assert _rows(fundamentals, "ticker", "SPY")["forward_pe"].notna().all()


def test_fundamentals_are_plausible_and_flows_non_trivial(fundamentals, prices):
    pe = fundamentals.groupby("ticker")["trailing_pe"].mean()
    assert 14 < pe["IWM"] < 22
    assert 23 < pe["SPY"] < 33
    iwm = _rows(fundamentals, "ticker", "IWM")
    flows = iwm["total_assets"] - iwm["total_assets"].shift() * (
        iwm["nav_price"] / iwm["nav_price"].shift()
    )
    assert flows.abs().median() > 1e6
    close = _rows(prices, "ticker", "IWM")["close"]
    assert ((iwm["nav_price"] / close - 1).abs() < 0.01).all()


def _on(frame: pd.DataFrame, ticker: str, day: date) -> pd.Series:
    return frame[(frame["ticker"] == ticker) & (frame["asof_date"] == pd.Timestamp(day))].iloc[0]


def test_snapshots_carry_yahoos_artefacts_so_the_flow_flags_show_offline(fundamentals, prices):
    ticker, first, sessions = STALE_AUM
    fund = _rows(fundamentals, "ticker", ticker).set_index("asof_date")
    episode = fund.loc[pd.Timestamp(trading_days_back(first, 1)) :].iloc[: sessions + 1]
    assert episode["total_assets"].nunique() == 1 and episode["nav_price"].nunique() > 1
    # the 2:1 split: closes are split-adjusted, snapshot NAVs are as published
    ijr = _rows(fundamentals, "ticker", "IJR").set_index("asof_date")["nav_price"]
    split_day = prices.loc[(prices["ticker"] == "IJR") & (prices["stock_splits"] == 2), "date"]
    before = ijr[ijr.index < split_day.iloc[0]].iloc[-1]
    assert ijr[split_day.iloc[0]] / before == pytest.approx(0.5, abs=0.02)
    assert np.isnan(_on(fundamentals, *MISSING_NAV)["nav_price"])
    assert "QQQ" in LAGGING_SHARES


def test_pe_provenance_is_the_holdings_except_for_a_quote_only_fund(fundamentals):
    sources = fundamentals.groupby("ticker")["trailing_pe_source"].unique()
    assert {t: list(v) for t, v in sources.items()} == {
        t: ["quote" if t == "DES" else "holdings"] for t in FUNDS
    }
    held = fundamentals[fundamentals["trailing_pe_source"] == "holdings"]
    assert ((held["quote_trailing_pe"] / held["trailing_pe"] - 1).abs() < 0.05).all()
    des = _rows(fundamentals, "ticker", "DES")
    assert (des["trailing_pe"] == des["quote_trailing_pe"]).all()


def test_futures_price_the_sample_policy_path_and_the_front_month_is_its_contract(futures):
    assert futures["close"].between(90, 100).all()
    implied = 100 - futures["close"]
    dff = generate_rates(["DFF"], START, END).set_index("date")["value"]
    # the market prices a month's average rate near today's, within the sample's 2 % of moves
    assert (implied - dff.reindex(futures["date"]).to_numpy()).abs().max() < 2
    front = futures[futures["symbol"] == "ZQ=F"].set_index("date")
    december = futures[futures["symbol"] == "ZQZ25.CBT"].set_index("date")
    in_december = front.index[(front.index.month == 12) & (front.index.year == 2025)]
    assert len(in_december) > 15
    pd.testing.assert_series_equal(
        front.loc[in_december, "close"], december.loc[in_december, "close"]
    )
    # a contract stops trading when its month ends
    assert december.index.max() == pd.Timestamp("2025-12-31")


def test_sector_weights_use_yahoo_names_and_sum_to_one(sector_weights):
    assert sector_weights["sector"].nunique() == 11
    assert "financial_services" in set(sector_weights["sector"])
    assert sector_weights["weight"].between(0, 1).all()
    sums = sector_weights.groupby(["ticker", "asof_date"])["weight"].sum()
    assert np.allclose(sums, 1, atol=0.002)


def _cycles(upper: pd.Series) -> list[str]:
    steps = np.sign(upper.diff().dropna())
    moves = [int(s) for s in steps if s != 0]
    runs = [m for i, m in enumerate(moves) if i == 0 or m != moves[i - 1]]
    return ["hike" if m > 0 else "ease" for m in runs]


def test_target_range_has_two_easing_cycles_and_one_hiking_cycle_in_the_window(rates):
    upper = _rows(rates, "series_id", "DFEDTARU")["value"]
    lower = _rows(rates, "series_id", "DFEDTARL")["value"]
    assert _cycles(upper) == ["ease", "hike", "ease"]
    assert np.allclose(upper - lower, 0.25)
    assert upper.iloc[0] == 5.50
    assert upper.iloc[-1] == 3.75


def test_effective_rate_stays_within_the_target_range(rates):
    dff = _rows(rates, "series_id", "DFF")["value"]
    assert (dff >= _rows(rates, "series_id", "DFEDTARL")["value"]).all()
    assert (dff <= _rows(rates, "series_id", "DFEDTARU")["value"]).all()


def test_rates_follow_fred_calendars_and_gaps(rates):
    days = rates.groupby("series_id")["date"]
    assert days.size()["DFF"] == (END - START).days + 1
    assert (rates[rates["series_id"] == "DGS10"]["date"].dt.weekday < 5).all()
    treasury = _rows(rates, "series_id", "DGS10").set_index("date")["value"]
    assert np.isnan(treasury[pd.Timestamp("2024-12-25")])
    assert treasury.isna().sum() < 40
    spread = _rows(rates, "series_id", "T10Y2Y")["value"]
    dgs10 = _rows(rates, "series_id", "DGS10")["value"]
    dgs2 = _rows(rates, "series_id", "DGS2")["value"]
    assert np.allclose(spread, dgs10 - dgs2, atol=0.011, equal_nan=True)
    hy = _rows(rates, "series_id", "BAMLH0A0HYM2")["value"]
    assert hy.notna().all() and hy.between(2, 6).all()


def test_unknown_keys_get_generic_paths():
    frame = generate_prices(["MYETF"], START, END)
    assert len(frame) == len(trading_days(START, END))
    assert (frame["close"] > 0).all()
    assert not generate_fundamentals(["MYETF"], START, END).empty
    assert generate_rates(["MYSERIES"], START, END)["value"].notna().all()


def test_extract_entry_points_return_extractions_with_every_frame():
    windows = {"SPY": (date(2025, 1, 1), date(2025, 1, 31)), "^GSPC": (START, START)}
    prices = extract_prices(windows)
    assert set(prices.frames) == {"prices"}
    assert prices.keys_attempted == 2 and not prices.failures
    assert set(prices.frames["prices"]["ticker"]) == {"SPY", "^GSPC"}
    funds = extract_fundamentals(windows)
    assert set(funds.frames) == {"fundamentals", "sector_weights"}
    assert set(funds.frames["fundamentals"]["ticker"]) == {"SPY"}
    rates = extract_rates({"DFF": (START, START)})
    assert list(rates.frames["rates"]["series_id"]) == ["DFF"]
    assert extract_rates({}).frames["rates"].empty
    futures = extract_futures({"ZQ=F": (date(2025, 1, 2), date(2025, 1, 3))})
    assert list(futures.frames["futures"]["symbol"]) == ["ZQ=F", "ZQ=F"]
    assert extract_futures({}).frames["futures"].empty


@pytest.mark.parametrize(
    ("name", "fixture"),
    [
        ("prices", "prices"),
        ("fundamentals", "fundamentals"),
        ("sector_weights", "sector_weights"),
        ("rates", "rates"),
        ("futures", "futures"),
    ],
)
def test_inject_bad_rows_appends_the_documented_rows_keeping_dtypes(name, fixture, request):
    frame = request.getfixturevalue(fixture).head(50)
    result = inject_bad_rows(frame, name, END)
    bad = result.iloc[len(frame) :]
    assert len(bad) == len(BAD_ROWS[name])
    assert result.dtypes.equals(frame.dtypes)
    pd.testing.assert_frame_equal(result.iloc[: len(frame)], frame)
    assert (bad.iloc[:, 0] == frame.iloc[0, 0]).all()
    pd.testing.assert_frame_equal(inject_bad_rows(frame, name, END), result)


def test_inject_bad_prices_breaks_one_thing_per_row(prices):
    frame = prices.head(50)
    bad = inject_bad_rows(frame, "prices", END).iloc[len(frame) :].reset_index(drop=True)
    sessions = set(pd.to_datetime(trading_days(date(2023, 1, 1), date(2027, 1, 31))))
    assert np.isnan(bad.loc[0, "close"])
    assert bad.loc[1, "close"] <= 0
    assert bad.loc[2, "high"] < bad.loc[2, "low"]
    assert bad.loc[3, "volume"] < 0
    assert (bad.loc[4, "ticker"], bad.loc[4, "date"]) == (
        frame.loc[0, "ticker"],
        frame.loc[0, "date"],
    )
    assert bad.loc[5, "date"] not in sessions
    assert bad.loc[6, "date"].date() > END and bad.loc[6, "date"] in sessions
    own_keys = bad.loc[[0, 1, 2, 3, 5, 6], "date"]
    assert not own_keys.isin(frame["date"]).any()
    assert own_keys.is_unique


def test_inject_bad_rows_for_other_datasets(fundamentals, sector_weights, rates, futures):
    funds = inject_bad_rows(fundamentals.head(5), "fundamentals", END).iloc[5:]
    assert funds["total_assets"].iloc[0] < 0
    assert funds["trailing_pe"].iloc[1] == -5.0
    assert funds.iloc[2]["asof_date"] == fundamentals.iloc[0]["asof_date"]
    contracts = inject_bad_rows(futures.head(5), "futures", END).iloc[5:]
    assert contracts["close"].iloc[0] == 0
    assert contracts.iloc[1]["date"] == futures.iloc[0]["date"]
    weights = inject_bad_rows(sector_weights.head(5), "sector_weights", END).iloc[5:]
    assert weights["weight"].iloc[0] > 1
    fred = inject_bad_rows(rates.head(5), "rates", END).iloc[5:]
    assert fred["date"].iloc[0].date() > END
    assert fred.iloc[1]["date"] == rates.iloc[0]["date"]


def test_inject_bad_rows_refuses_an_empty_frame():
    with pytest.raises(ValueError, match="at least one row"):
        inject_bad_rows(generate_prices([], START, END), "prices", END)
