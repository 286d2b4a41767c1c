"""Look-through marts on hand-built holdings and quotes: every column against a hand
computation, and NULL with the reason when too little of a fund is covered."""

import pytest

DAY = "2025-11-05"
HOLDING = (
    "insert into core.fund_holdings values (?, '2025-11-05', ?, ?, 'IT', ?, ?, ?, 1, 1, ?, ?, "
    "'test', 'r', now())"
)
QUOTE = (
    "insert into core.constituent_quotes values (?, '2025-11-05', ?, ?, 1, ?, ?, null, null, "
    "null, 'USD', 'test', 'r', now())"
)
# the five-stock fund: market value, quote price, trailing EPS, forward EPS, market cap
FIVE = {
    "AAA": (400.0, 100.0, 5.0, 6.0, 1.0e9),  # earnings yields 5 % / 6 %
    "BBB": (300.0, 50.0, 2.5, 3.0, 2.0e9),  # 5 % / 6 %
    "CCC": (150.0, 20.0, -1.0, 0.5, 3.0e8),  # the loss-maker: -5 % / 2.5 %
    "DDD": (100.0, 10.0, 0.5, 0.55, 5.0e8),  # 5 % / 5.5 %
    "EEE": (50.0, 40.0, 4.0, 4.4, 4.0e9),  # 10 % / 11 %
}


def _fund(seed, fund: str, lines: dict, *, partial: bool = False) -> None:
    seed(
        HOLDING,
        [
            (fund, t, f"{t} INC", "Equity", mv, mv / 1010, t if t != "-" else None, partial)
            for t, (mv, *_) in lines.items()
        ],
    )


def _quotes(seed, lines: dict) -> None:
    seed(QUOTE, [(t, p, cap, eps, fwd) for t, (_, p, eps, fwd, cap) in lines.items()])


@pytest.fixture
def configured(seed):
    seed("insert into core.lookthrough_config values (0.9)")
    seed("insert into core.megacaps values ('AAPL'), ('MSFT')")
    return seed


def test_every_valuation_column_of_a_five_stock_fund_equals_the_hand_computation(
    configured, build, query
):
    _fund(configured, "FIVE", FIVE)
    configured(  # cash and futures lines are kept, and stay out of every aggregate
        HOLDING,
        [
            ("FIVE", "USD", "USD CASH", "Cash", 10.0, 0.01, "USD", False),
            ("FIVE", "ESZ5", "S&P EMINI", "Futures", 0.0, 0.0, "ESZ5", False),
        ],
    )
    _quotes(configured, FIVE)
    build(select="+fund_valuation_daily")

    [row] = query(
        "select fund, asof_date::varchar, holdings_date::varchar, partial, constituents, "
        "unmapped, unquoted, coverage_weight, estimate_coverage_weight, min_coverage, "
        "trailing_pe, trailing_pe_ex_losses, forward_pe, forward_pe_ex_losses, "
        "expected_eps_growth, unprofitable_share_count, unprofitable_share_weight, "
        "median_market_cap, note from mart.fund_valuation_daily"
    )

    # weights .4 .3 .15 .1 .05 (of 1000 of stock); earnings per unit of value:
    # trailing .4*.05 + .3*.05 - .15*.05 + .1*.05 + .05*.10 = .0375
    # without the loss-maker .045 over .85 of the value; forward .024+.018+.00375+.0055+.0055
    assert row == (
        "FIVE", DAY, DAY, False, 5, 0, 0, pytest.approx(1.0), pytest.approx(1.0), 0.9,
        pytest.approx(1 / 0.0375),  # 26.67
        pytest.approx(0.85 / 0.045),  # 18.89
        pytest.approx(1 / 0.05675),  # 17.62
        pytest.approx(1 / 0.05675),  # no expected loss-maker
        pytest.approx(0.05675 / 0.0375 - 1),  # +51.3 %
        pytest.approx(1 / 5),
        pytest.approx(0.15),
        1.0e9,
        None,
    )  # fmt: skip


def test_too_little_coverage_leaves_the_aggregates_null_with_the_reason(configured, build, query):
    unlisted = {"-": (50.0, None, None, None, None), "GONE": (100.0, None, None, None, None)}
    _fund(configured, "THIN", {**FIVE, **unlisted})  # 15 % of 1150 is unmapped or unquoted
    _fund(configured, "TOP10", {"AAA": FIVE["AAA"]}, partial=True)
    _quotes(configured, FIVE)
    build(select="+fund_valuation_daily")

    rows = {
        r[0]: r[1:]
        for r in query(
            "select fund, unmapped, unquoted, round(coverage_weight, 4), trailing_pe, "
            "forward_pe, note from mart.fund_valuation_daily"
        )
    }

    assert rows["THIN"] == (
        1, 1, 0.8696, None, None,
        "quotes cover 87.0 % of the equity value, below the 90 % minimum",
    )  # fmt: skip
    assert rows["TOP10"][:2] == (0, 0) and rows["TOP10"][3:5] == (None, None)
    assert rows["TOP10"][5].startswith("only the top holdings are known")


def test_missing_estimates_leave_only_the_forward_figures_null(configured, build, query):
    _fund(configured, "FIVE", FIVE)
    _quotes(configured, {**FIVE, "AAA": (400.0, 100.0, 5.0, None, 1.0e9)})
    build(select="+fund_valuation_daily")

    [row] = query(
        "select round(estimate_coverage_weight, 4), trailing_pe, forward_pe, "
        "forward_pe_ex_losses, expected_eps_growth, note from mart.fund_valuation_daily"
    )

    assert row == (
        0.6, pytest.approx(1 / 0.0375), None, None, None,
        "forward EPS cover 60.0 % of the equity value, below the 90 % minimum: "
        "no forward figures",
    )  # fmt: skip


def test_pe_spread_gains_the_forward_view_and_says_why_a_side_is_missing(configured, build, query):
    configured(
        "insert into core.universe_tickers values ('FIVE', 'small'), ('BIG', 'large'), "
        "('TOP10', 'large')"
    )
    configured("insert into core.spread_pairs values ('FIVE', 'BIG'), ('FIVE', 'TOP10')")
    configured(
        "insert into core.fundamentals_daily (ticker, asof_date, trailing_pe, source, run_id, "
        "loaded_at) values ('FIVE', ?, 18.0, 'test', 'r', now()), ('BIG', ?, 24.0, 'test', "
        "'r', now()), ('TOP10', ?, 30.0, 'test', 'r', now())",
        [(DAY, DAY, DAY)],
    )
    _fund(configured, "FIVE", FIVE)
    big = {"BIG1": (500.0, 100.0, 4.0, 5.0, 1.0e12)}  # forward P/E 20
    _fund(configured, "BIG", big)
    _fund(configured, "TOP10", {"AAA": FIVE["AAA"]}, partial=True)
    _quotes(configured, {**FIVE, **big})
    build(select="+pe_spread_daily")

    rows = query(
        "select large_ticker, small_forward_pe, large_forward_pe, forward_discount_pct, "
        "forward_note from mart.pe_spread_daily order by large_ticker"
    )

    assert rows[0] == (
        "BIG", pytest.approx(1 / 0.05675), pytest.approx(20.0),
        pytest.approx(1 - (1 / 0.05675) / 20), None,
    )  # fmt: skip
    assert rows[1][0] == "TOP10" and rows[1][2:4] == (None, None)
    assert rows[1][4].startswith("TOP10: only the top holdings are known")


def test_concentration_weighs_stock_lines_by_market_value(configured, build, query):
    _fund(configured, "FIVE", {**FIVE, "AAPL": (250.0, 1, 1, 1, 1), "MSFT": (250.0, 1, 1, 1, 1)})
    configured(HOLDING, [("FIVE", "USD", "USD CASH", "Cash", 500.0, 0.3, "USD", False)])
    build(select="+concentration_daily")

    [row] = query(
        "select equity_lines, largest_holding, top1_weight, top10_weight, megacap_weight, "
        "herfindahl, effective_holdings, partial from mart.concentration_daily"
    )

    # weights of 1500 of stock: 400, 300, 250, 250, 150, 100, 50 -> the cash line is ignored
    weights = [w / 1500 for w in (400, 300, 250, 250, 150, 100, 50)]
    hhi = sum(w * w for w in weights)
    assert row == (
        7, "AAA", pytest.approx(400 / 1500), pytest.approx(1.0), pytest.approx(500 / 1500),
        pytest.approx(hhi), pytest.approx(1 / hhi), False,
    )  # fmt: skip
