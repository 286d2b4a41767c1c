"""30-day Fed funds futures on Yahoo: which symbols to follow and which month each one prices.

CBOT's ZQ contract for month M settles on 100 minus the average effective Fed funds rate over
M, so its price says what the market expects the policy rate to average in that month. Yahoo
lists each contract as ``ZQ`` + month code + two-digit year + ``.CBT`` (``ZQZ25.CBT`` is
December 2025) and the front month as ``ZQ=F``. Every layer derives the symbols from here.
"""

import re
from datetime import date

ROOT = "ZQ"
EXCHANGE_SUFFIX = ".CBT"
FRONT_MONTH = f"{ROOT}=F"
MONTHS_AHEAD = 12  # contracts followed: the run date's month and the 11 after it
MONTH_CODES = "FGHJKMNQUVXZ"  # January .. December, the exchange's letters

_CONTRACT = re.compile(rf"^{ROOT}([{MONTH_CODES}])(\d\d){re.escape(EXCHANGE_SUFFIX)}$")


def _add_months(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def contract_symbol(month: date) -> str:
    """Yahoo's symbol of the contract for ``month`` (any day of it): 2025-12 -> ZQZ25.CBT."""
    return f"{ROOT}{MONTH_CODES[month.month - 1]}{month.year % 100:02d}{EXCHANGE_SUFFIX}"


def fed_funds_symbols(run_date: date, months: int = MONTHS_AHEAD) -> list[str]:
    """The contracts of ``run_date``'s month and the following ``months - 1``, then ``ZQ=F``.

    The current month's contract still trades (it expires on the month's last business day),
    and its price already holds the days of the month that have passed."""
    return [contract_symbol(_add_months(run_date, i)) for i in range(months)] + [FRONT_MONTH]


def contract_month(symbol: str, day: date) -> date:
    """First day of the month ``symbol`` prices on ``day``.

    ``ZQ=F`` is the front month, the contract of ``day``'s own month (it rolls when that
    contract expires at the month's end). A two-digit year is placed in the century that
    puts the month nearest to ``day``, since contracts list at most a few years ahead."""
    if symbol == FRONT_MONTH:
        return day.replace(day=1)
    match = _CONTRACT.match(symbol)
    if match is None:
        raise ValueError(
            f"{symbol!r} is not a Fed funds futures symbol like {contract_symbol(day)} "
            f"or {FRONT_MONTH}"
        )
    code, yy = match.groups()
    century = day.year - day.year % 100
    candidates = (century - 100 + int(yy), century + int(yy), century + 100 + int(yy))
    year = min(candidates, key=lambda y: abs(y - day.year))
    return date(year, MONTH_CODES.index(code) + 1, 1)
