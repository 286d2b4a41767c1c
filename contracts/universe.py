"""The universe file (tickers by basket, spread pairs, FRED series), validated at start."""

import re
import tomllib
from pathlib import Path

from pydantic import BaseModel, ValidationError, field_validator, model_validator

from contracts.errors import ConfigError
from contracts.lookthrough import HoldingsSource, Lookthrough

TICKER_RE = re.compile(r"^[A-Z0-9^][A-Z0-9.=^-]{0,14}$")
SERIES_RE = re.compile(r"^[A-Z0-9_]{1,30}$")
BASKETS = ("small", "large", "index")


def _check_all(values: list[str], pattern: re.Pattern[str], what: str) -> list[str]:
    for value in values:
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(f"invalid {what} {value!r} (must match {pattern.pattern})")
    return values


class Universe(BaseModel):
    small: list[str]
    large: list[str]
    index: list[str] = []
    pairs: list[tuple[str, str]]
    # [small index, large index]: returns after rate cuts from before the funds existed
    index_pairs: list[tuple[str, str]] = []
    fred_series: list[str]
    holdings: dict[str, HoldingsSource] = {}
    lookthrough: Lookthrough = Lookthrough()

    @field_validator("small", "large", "index")
    @classmethod
    def _tickers(cls, v: list[str]) -> list[str]:
        return _check_all(v, TICKER_RE, "ticker")

    @field_validator("fred_series")
    @classmethod
    def _series(cls, v: list[str]) -> list[str]:
        return _check_all(v, SERIES_RE, "FRED series id")

    @model_validator(mode="after")
    def _pairs_in_baskets(self) -> "Universe":
        for basket in ("small", "large"):
            if not getattr(self, basket):
                raise ValueError(
                    f"baskets.{basket} needs at least one ticker: the pipeline compares small "
                    "with large caps"
                )
        for small, large in self.pairs:
            if small not in self.small:
                raise ValueError(f"pair [{small}, {large}]: {small!r} is not in baskets.small")
            if large not in self.large:
                raise ValueError(f"pair [{small}, {large}]: {large!r} is not in baskets.large")
        for small, large in self.index_pairs:
            for ticker in (small, large):
                if ticker not in self.index:
                    raise ValueError(
                        f"index pair [{small}, {large}]: {ticker!r} is not in baskets.index"
                    )
        return self

    @model_validator(mode="after")
    def _holdings_of_funds(self) -> "Universe":
        for fund in self.holdings:
            if fund not in self.funds:
                raise ValueError(f"holdings.{fund}: {fund!r} is not a fund in baskets.small/large")
        return self

    @property
    def tickers(self) -> list[str]:
        """Every ticker once, baskets in order."""
        return list(dict.fromkeys([*self.small, *self.large, *self.index]))

    @property
    def funds(self) -> list[str]:
        """ETFs (small and large baskets); indexes have no fundamentals or sector weights."""
        return list(dict.fromkeys([*self.small, *self.large]))

    def basket_rows(self) -> list[tuple[str, str]]:
        return [(t, b) for b in BASKETS for t in getattr(self, b)]


def _describe(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "universe"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def load_universe(path: Path) -> Universe:
    """Read and validate a universe TOML; any invalid entry fails naming the file and the entry."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as exc:
        raise ConfigError(f"universe file {path} not found (set SMALLCAP_UNIVERSE)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"universe file {path} is not valid TOML: {exc}") from exc
    baskets = raw.get("baskets", {})
    try:
        return Universe(
            small=baskets.get("small", []),
            large=baskets.get("large", []),
            index=baskets.get("index", []),
            pairs=baskets.get("pairs", []),
            index_pairs=baskets.get("index_pairs", []),
            fred_series=raw.get("fred", {}).get("series", []),
            holdings=raw.get("holdings", {}),
            lookthrough=raw.get("lookthrough", {}),
        )
    except ValidationError as exc:
        problems = "; ".join(_describe(e) for e in exc.errors())
        raise ConfigError(f"universe file {path}: {problems}") from exc
