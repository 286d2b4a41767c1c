"""Issuer tickers -> Yahoo symbols, by the rules below; what no rule maps stays unmapped (None).

Rules, first match wins:
1. blank, '-', or a character other than letters, digits, '.', '/', ' ' and '-': unmapped.
   Issuers write '-' for lines with no listing (warrants, private placements, rights).
2. an override from the universe file (``[lookthrough] symbols``, e.g. ``BRKB = "BRK-B"``):
   iShares drops the share-class separator, and 'BRKB' alone cannot be told from a real
   four-letter symbol (RUSHB and BELFB are Nasdaq symbols as written), so such classes are
   listed, never guessed.
3. a share-class separator '.', '/' or ' ' becomes Yahoo's '-': 'BRK.B', 'BRK/B' -> 'BRK-B'.
4. anything else is Yahoo's symbol as written, upper-cased ('AAPL'; 'P5N994' is kept and will
   simply find no quote, which is counted as unquoted).
"""

import re
from collections.abc import Mapping

_ALLOWED = re.compile(r"^[A-Z0-9][A-Z0-9./ -]*$")
_CLASS_SEPARATOR = re.compile(r"^([A-Z0-9]+)[./ ]([A-Z0-9]{1,2})$")


def yahoo_symbol(ticker: str, overrides: Mapping[str, str] | None = None) -> str | None:
    """The Yahoo symbol for an issuer's ticker, or None when it cannot be mapped."""
    cleaned = ticker.strip().upper()
    if cleaned in ("", "-") or not _ALLOWED.match(cleaned):
        return None
    if overrides and cleaned in overrides:
        return overrides[cleaned]
    share_class = _CLASS_SEPARATOR.match(cleaned)
    if share_class:
        return f"{share_class.group(1)}-{share_class.group(2)}"
    return cleaned
