from datetime import date

import pytest

from contracts.futures import contract_month, contract_symbol, fed_funds_symbols


def test_symbols_cover_the_run_dates_month_and_the_eleven_after_it_then_the_front_month():
    assert fed_funds_symbols(date(2025, 11, 15)) == [
        "ZQX25.CBT", "ZQZ25.CBT", "ZQF26.CBT", "ZQG26.CBT", "ZQH26.CBT", "ZQJ26.CBT",
        "ZQK26.CBT", "ZQM26.CBT", "ZQN26.CBT", "ZQQ26.CBT", "ZQU26.CBT", "ZQV26.CBT", "ZQ=F",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("symbol", "day", "month"),
    [
        ("ZQZ25.CBT", date(2025, 11, 15), date(2025, 12, 1)),
        ("ZQF26.CBT", date(2025, 11, 15), date(2026, 1, 1)),
        ("ZQF00.CBT", date(1999, 6, 1), date(2000, 1, 1)),  # the nearest century
        ("ZQZ99.CBT", date(2000, 3, 1), date(1999, 12, 1)),
        ("ZQ=F", date(2025, 3, 31), date(2025, 3, 1)),  # the front month: the date's own
    ],
)
def test_contract_month_reads_the_symbol_or_the_date_for_the_front_month(symbol, day, month):
    assert contract_month(symbol, day) == month
    if symbol != "ZQ=F":
        assert contract_symbol(month) == symbol


@pytest.mark.parametrize("symbol", ["ZQZ25", "ZQA25.CBT", "GC=F", "zqz25.cbt"])
def test_a_symbol_that_is_no_fed_funds_future_is_a_clear_error(symbol):
    with pytest.raises(ValueError, match="is not a Fed funds futures symbol like ZQ"):
        contract_month(symbol, date(2025, 11, 15))
