"""The extracted datasets: their columns, keys and core tables, shared by every layer.

Sources emit frames with exactly these columns; the loader and suites rely on them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Dataset:
    name: str
    table: str
    key: tuple[str, ...]
    columns: tuple[str, ...]
    date_column: str

    @property
    def value_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.columns if c not in self.key and c != "source")


PRICES = Dataset(
    name="prices",
    table="core.prices_daily",
    key=("ticker", "date"),
    columns=(
        "ticker",
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
        "dividends",
        "stock_splits",
        "source",
    ),
    date_column="date",
)

FUNDAMENTALS = Dataset(
    name="fundamentals",
    table="core.fundamentals_daily",
    key=("ticker", "asof_date"),
    columns=(
        "ticker",
        "asof_date",
        "trailing_pe",
        "forward_pe",
        "price_to_book",
        "price_to_sales",
        "price_to_cashflow",
        "median_market_cap",
        "total_assets",
        "shares_outstanding",
        "nav_price",
        "dividend_yield",
        "earnings_growth_3y",
        "source",
        # 'holdings' (1 / the holdings' average earnings yield) or 'quote' (Yahoo's trailingPE)
        "trailing_pe_source",
        # the quote's trailingPE even when trailing_pe is the holdings', so pairs can match
        "quote_trailing_pe",
    ),
    date_column="asof_date",
)

SECTOR_WEIGHTS = Dataset(
    name="sector_weights",
    table="core.fund_sector_weights",
    key=("ticker", "asof_date", "sector"),
    columns=("ticker", "asof_date", "sector", "weight", "source"),
    date_column="asof_date",
)

RATES = Dataset(
    name="rates",
    table="core.rates_daily",
    key=("series_id", "date"),
    columns=("series_id", "date", "value", "source"),
    date_column="date",
)

# 30-day Fed funds futures closes (contracts.futures says which symbols and months)
FUTURES = Dataset(
    name="futures",
    table="core.futures_daily",
    key=("symbol", "date"),
    columns=("symbol", "date", "close", "contract_month", "source"),
    date_column="date",
)

# a fund's holdings as its issuer lists them (cash and futures lines included, by asset class);
# yahoo_ticker is the Yahoo symbol a holding maps to, NULL when it cannot be mapped
HOLDINGS = Dataset(
    name="holdings",
    table="core.fund_holdings",
    key=("fund", "asof_date", "holding_ticker", "name"),
    columns=(
        "fund",
        "asof_date",
        "holding_ticker",
        "name",
        "sector",
        "asset_class",
        "market_value",
        "weight",
        "shares",
        "price",
        "yahoo_ticker",
        "partial",
        "source",
    ),
    date_column="asof_date",
)

# one quote per constituent (Yahoo symbol) and day, shared by every fund holding it
CONSTITUENT_QUOTES = Dataset(
    name="constituent_quotes",
    table="core.constituent_quotes",
    key=("ticker", "asof_date"),
    columns=(
        "ticker",
        "asof_date",
        "price",
        "market_cap",
        "shares_outstanding",
        "eps_trailing",
        "eps_forward",
        "eps_current_year",
        "trailing_pe",
        "forward_pe",
        "currency",
        "source",
    ),
    date_column="asof_date",
)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        PRICES,
        FUNDAMENTALS,
        SECTOR_WEIGHTS,
        RATES,
        FUTURES,
        HOLDINGS,
        CONSTITUENT_QUOTES,
    )
}

# extraction groups: one source call yields these datasets (a fund snapshot carries its sectors)
EXTRACTION_GROUPS: dict[str, tuple[str, ...]] = {
    "prices": ("prices",),
    "fundamentals": ("fundamentals", "sector_weights"),
    "rates": ("rates",),
    "futures": ("futures",),
    # quotes are asked for the holdings' distinct names, so both come from one call
    "holdings": ("holdings", "constituent_quotes"),
}
