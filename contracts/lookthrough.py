"""Look-through configuration from the universe file: where each fund's holdings come from,
how much of a fund must be quoted before its aggregates count, and which names are megacaps.

    [holdings]                      # fund -> the issuer's daily holdings file
    IWM = { url = "https://...", format = "ishares" }

    [lookthrough]
    min_coverage = 0.9              # share of equity market value that must have a quote
    megacaps = ["AAPL", "MSFT", ...]
    symbols = { BRKB = "BRK-B" }    # issuer ticker -> Yahoo symbol, beyond the built-in rules

Funds without a ``[holdings]`` entry fall back to Yahoo's top 10 holdings (flagged partial).
"""

import re

from pydantic import BaseModel, Field, field_validator

# Parsers in sources.holdings, by the name a [holdings] entry gives as its format.
HOLDINGS_FORMATS = ("ishares",)

# Apple, Microsoft, Nvidia, Amazon, Alphabet (both classes), Meta, Tesla: as issuers list them.
DEFAULT_MEGACAPS = ("AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "GOOG", "META", "TSLA")

_HOLDING_TICKER_RE = re.compile(r"^[A-Z0-9][A-Z0-9./ -]{0,14}$")
_YAHOO_SYMBOL_RE = re.compile(r"^[A-Z0-9][A-Z0-9.=^-]{0,14}$")


class HoldingsSource(BaseModel):
    """One fund's issuer file: the URL that serves it and the parser that reads it."""

    url: str
    format: str

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"holdings url {value!r} must start with http:// or https://")
        return value

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in HOLDINGS_FORMATS:
            raise ValueError(f"holdings format {value!r} is not one of {list(HOLDINGS_FORMATS)}")
        return value


class Lookthrough(BaseModel):
    min_coverage: float = Field(default=0.9, gt=0, le=1)
    megacaps: list[str] = Field(default_factory=lambda: list(DEFAULT_MEGACAPS))
    symbols: dict[str, str] = Field(default_factory=dict)

    @field_validator("megacaps")
    @classmethod
    def _tickers(cls, values: list[str]) -> list[str]:
        for value in values:
            if not _HOLDING_TICKER_RE.match(value):
                raise ValueError(f"invalid megacap ticker {value!r}")
        return values

    @field_validator("symbols")
    @classmethod
    def _symbols(cls, values: dict[str, str]) -> dict[str, str]:
        for ticker, symbol in values.items():
            if not _HOLDING_TICKER_RE.match(ticker) or not _YAHOO_SYMBOL_RE.match(symbol):
                raise ValueError(f"invalid symbol mapping {ticker!r} = {symbol!r}")
        return values
