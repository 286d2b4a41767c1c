"""History files from other vendors (CSV or Parquet) as rows of our datasets.

Reading a vendor file is extraction, like calling Yahoo or FRED, so it lives here and emits
frames with exactly a dataset's columns. A file's layout is recognised from its header:

- FRED downloads: ``observation_date,<SERIES>`` (or the older ``DATE,<SERIES>``), values in
  percent, '.' or an empty cell for a day without an observation;
- Yahoo downloads: ``Date,Open,High,Low,Close,Adj Close,Volume`` (any subset with Close; the
  adjusted close defaults to Close when absent), yfinance's three-row ``Price/Ticker/Date``
  header, and ``Date,<TICKER>`` (a close named after its ticker);
- canonical files: the core table's own column names (prices: ticker, date, open, high, low,
  close, adj_close, volume, dividends, stock_splits; fundamentals: ticker, asof_date and any of
  core.fundamentals_daily's columns; rates: series_id, date, value).

Header names match case- and punctuation-insensitively ("Adj Close" = adj_close). A file that
does not carry its key (ticker or series) needs it from the caller; one that does can be narrowed
to a key. Rows whose date or numbers cannot be read are not dropped: they come back with a
reason, for quarantine. Other datasets plug in with ``register_reader``.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from contracts.calendar import EXCHANGE_TZ
from contracts.datasets import FUNDAMENTALS, PRICES, RATES, Dataset
from contracts.errors import ConfigError, DataQualityError, first_line
from contracts.universe import SERIES_RE, TICKER_RE

REASON = "reason"
PARQUET_SUFFIXES = frozenset({".parquet", ".pq"})
_MISSING_TEXT = frozenset({"", ".", "na", "n/a", "nan", "null", "none"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_EARLIEST_DATE, _LATEST_DATE = pd.Timestamp("1700-01-01"), pd.Timestamp("2200-12-31")


@dataclass(frozen=True)
class FileRequest:
    """What the caller knows about a file: where it is, the key it holds when the file does
    not say (``--ticker``, ``--series``), and the name stored as each row's ``source``."""

    path: Path
    key: str | None = None
    source_name: str = "import"


@dataclass
class ParsedFile:
    """Rows per dataset, rows that could not be read (same columns plus ``reason``), notes for
    the run report, and the layout that was recognised."""

    frames: dict[str, pd.DataFrame]
    rejected: dict[str, pd.DataFrame]
    layout: str
    notes: list[str] = field(default_factory=list)


Reader = Callable[[FileRequest], ParsedFile]


@dataclass(frozen=True)
class FileReader:
    """A readable kind of file: ``key_option`` is the flag that names its key when the file
    does not carry it."""

    key_option: str
    read: Reader


READERS: dict[str, FileReader] = {}


def register_reader(name: str, reader: FileReader) -> None:
    """Make ``smallcap import --dataset <name>`` read files with ``reader``."""
    READERS[name] = reader


def _normalize(name: object) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def read_table(path: Path) -> tuple[pd.DataFrame, str | None]:
    """The file's table with its header as written, plus the ticker a yfinance three-row
    header names (None otherwise). CSV cells stay text so nothing is guessed before parsing."""
    if not path.is_file():
        raise ConfigError(f"file {path} not found")
    try:
        if path.suffix.lower() in PARQUET_SUFFIXES:
            table = pd.read_parquet(path)
            return (table.reset_index() if _named_index(table) else table), None
        table = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {path}: {first_line(exc)}") from exc
    if _yfinance_header(table):
        ticker = str(table.iloc[0, 1]).strip()
        body = table.iloc[2:].rename(columns={table.columns[0]: "Date"})
        return body.reset_index(drop=True), ticker
    return table, None


def _yfinance_header(table: pd.DataFrame) -> bool:
    """yfinance's ``download().to_csv()``: rows Price,<fields> / Ticker,<ticker...> / Date,,,"""
    return (
        len(table) >= 2
        and _normalize(table.columns[0]) == "price"
        and _normalize(table.iloc[0, 0]) == "ticker"
        and _normalize(table.iloc[1, 0]) == "date"
    )


def _named_index(table: pd.DataFrame) -> bool:
    """A Parquet file written from a date-indexed frame keeps the dates in its index."""
    return table.index.name is not None or isinstance(table.index, pd.DatetimeIndex)


def _dates(column: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates as written (a timestamp's New York date), and a reason where none can be read."""
    if pd.api.types.is_datetime64_any_dtype(column):
        stamps = pd.to_datetime(column)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert(EXCHANGE_TZ).dt.tz_localize(None)
        dates = stamps.dt.normalize().astype("datetime64[ns]")
    else:
        text = column.astype("string").str.strip()
        iso = text.where(text.str.match(_ISO_DATE).fillna(False)).str.slice(0, 10)
        parsed = pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")
        # datetime64[ns] spans 1677..2262; a date outside it is no market date anyway
        parsed = parsed.where(parsed.between(_EARLIEST_DATE, _LATEST_DATE))
        dates = parsed.astype("datetime64[ns]")
    reasons = pd.Series(None, index=column.index, dtype="object")
    bad = dates.isna()
    reasons[bad] = [
        f"unreadable date {value!r} (expected YYYY-MM-DD, 1700..2200)" for value in column[bad]
    ]
    return dates, reasons


def _numbers(column: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    """Numbers as float64; empty cells and FRED's '.' are missing (NULL), anything else that
    is not a number gets a reason."""
    reasons = pd.Series(None, index=column.index, dtype="object")
    if pd.api.types.is_numeric_dtype(column):
        return column.astype("float64"), reasons
    text = column.astype("string").str.strip()
    missing = text.isna() | text.str.lower().isin(_MISSING_TEXT)
    values = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64")
    bad = values.isna() & ~missing
    reasons[bad] = [f"{name} {value!r} is not a number" for value in column[bad]]
    return values, reasons


def _labels(column: pd.Series) -> pd.Series:
    """A text column's values stripped and lower-cased, empty cells missing; whether a label is
    allowed is the dataset suite's call (it quarantines that field), not the reader's."""
    text = column.astype("string").str.strip().str.lower()
    missing = text.isna() | text.isin(_MISSING_TEXT)
    return text.astype("object").where(~missing, None)


@dataclass(frozen=True)
class Layout:
    """How one dataset's files map onto its columns.

    ``aliases`` maps normalized header names to our columns; keys must match ``key_pattern``.
    With ``named_value``, a single column named after a key (``Date,^GSPC``,
    ``observation_date,DFF``) holds that value for that key. ``defaults`` fill a missing column
    from the parsed ones and say so in a note; ``zero_if_empty`` columns (no dividend, no split)
    are 0 where absent or empty; ``text`` columns hold labels, not numbers."""

    dataset: Dataset
    key_option: str
    key_pattern: re.Pattern[str]
    aliases: Mapping[str, str]
    required: tuple[str, ...] = ()
    named_value: str | None = None
    defaults: Mapping[str, tuple[Callable[[pd.DataFrame], pd.Series], str]] = field(
        default_factory=dict
    )
    zero_if_empty: frozenset[str] = frozenset()
    text: frozenset[str] = frozenset()
    ignored: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return self.dataset.key[0]

    @property
    def date(self) -> str:
        return self.dataset.date_column


def _describe(layout: Layout) -> str:
    return ", ".join(c for c in layout.dataset.columns if c != "source")


def _map_columns(
    table: pd.DataFrame, layout: Layout, path: Path
) -> tuple[dict[str, str], str | None]:
    """{header as written: our column}, and the key named by a column header, if any."""
    mapping: dict[str, str] = {}
    named_key, unknown = None, []
    for header in table.columns:
        ours = layout.aliases.get(_normalize(header))
        if ours is not None and ours not in mapping.values():
            mapping[header] = ours
        elif _normalize(header) in layout.ignored:
            continue
        elif layout.named_value and layout.key_pattern.match(str(header).strip()):
            named_key = str(header).strip()
            mapping[header] = layout.named_value
        else:
            unknown.append(str(header))
    candidates = [h for h, ours in mapping.items() if ours == layout.named_value]
    if unknown or len(candidates) > 1:
        what = unknown or [str(h) for h in candidates]
        raise ConfigError(
            f"{path.name}: columns {what} are not {layout.dataset.name} columns; expected a FRED "
            f"or Yahoo download or the columns {_describe(layout)}"
        )
    return mapping, named_key


def read_dataset(request: FileRequest, layout: Layout) -> ParsedFile:
    """Rows of ``layout.dataset`` from the file, each with ``source`` = the request's name."""
    table, header_key = read_table(request.path)
    if table.empty:
        raise DataQualityError(f"{request.path.name} holds no rows")
    mapping, named_key = _map_columns(table, layout, request.path)
    frame = table.rename(columns=mapping)[list(mapping.values())]
    layout_name = (
        "yfinance multi-row header"
        if header_key
        else "columns " + ", ".join(str(h) for h in table.columns)
    )
    file_key = header_key or named_key
    if layout.date not in frame or any(c not in frame for c in layout.required):
        needed = [layout.date, *layout.required]
        raise ConfigError(
            f"{request.path.name}: needs columns {needed} (found {list(table.columns)})"
        )
    if layout.key not in frame:
        key = file_key or request.key
        if key is None:
            raise ConfigError(
                f"{request.path.name} does not say which {layout.key} it holds: "
                f"give it with {layout.key_option}"
            )
        frame[layout.key] = key
    else:
        frame[layout.key] = frame[layout.key].astype("string").str.strip().str.upper()
    if request.key is not None:
        held = sorted(set(frame[layout.key].dropna()))
        frame = frame[frame[layout.key] == request.key]
        if frame.empty:
            raise ConfigError(
                f"{request.path.name} holds no rows of {layout.key_option} {request.key} "
                f"(it holds {', '.join(held[:5]) or 'no rows'})"
            )
    return _parse(frame.reset_index(drop=True), layout, request, layout_name)


def _parse(
    frame: pd.DataFrame, layout: Layout, request: FileRequest, layout_name: str
) -> ParsedFile:
    dataset = layout.dataset
    out = pd.DataFrame(index=frame.index)
    out[layout.key] = frame[layout.key].astype("str")
    out[layout.date], reasons = _dates(frame[layout.date])
    bad_key = reasons.isna() & ~out[layout.key].map(lambda k: bool(layout.key_pattern.match(k)))
    reasons[bad_key] = [f"{layout.key} {k!r} is not valid" for k in out[layout.key][bad_key]]
    notes = []
    for column in dataset.value_columns:
        if column in layout.text:
            out[column] = _labels(frame[column]) if column in frame else None
        elif column in frame:
            out[column], bad = _numbers(frame[column], column)
            reasons = reasons.fillna(bad)
        elif column in layout.defaults:
            fill, said = layout.defaults[column]
            out[column] = fill(out)
            if said:
                notes.append(f"{request.path.name} has no {column}: {said}")
        else:
            out[column] = float("nan")
        if column in layout.zero_if_empty:
            out[column] = out[column].fillna(0.0)
    out["source"] = request.source_name
    out = out[list(dataset.columns)]
    bad = reasons.notna()
    return ParsedFile(
        frames={dataset.name: out[~bad].reset_index(drop=True)},
        rejected={dataset.name: out[bad].assign(**{REASON: reasons[bad]}).reset_index(drop=True)},
        layout=layout_name,
        notes=notes,
    )


PRICE_LAYOUT = Layout(
    dataset=PRICES,
    key_option="--ticker",
    key_pattern=TICKER_RE,
    aliases={
        "ticker": "ticker",
        "symbol": "ticker",
        "date": "date",
        "open": "open",
        "high": "high",
        "low": "low",
        "close": "close",
        "adj_close": "adj_close",
        "adjusted_close": "adj_close",
        "adjclose": "adj_close",
        "volume": "volume",
        "dividends": "dividends",
        "stock_splits": "stock_splits",
    },
    required=("close",),
    named_value="close",
    defaults={
        "adj_close": (
            lambda frame: frame["close"],
            "adj_close = close, so returns include dividends only if that close is adjusted",
        ),
    },
    zero_if_empty=frozenset({"dividends", "stock_splits"}),
    # yfinance's extra columns for funds that distribute capital gains, and its repair flag
    ignored=frozenset({"capital_gains", "repaired"}),
)

RATE_LAYOUT = Layout(
    dataset=RATES,
    key_option="--series",
    key_pattern=SERIES_RE,
    aliases={
        "series_id": "series_id",
        "date": "date",
        "observation_date": "date",
        "value": "value",
    },
    required=("value",),
    named_value="value",
)

FUNDAMENTAL_LAYOUT = Layout(
    dataset=FUNDAMENTALS,
    key_option="--ticker",
    key_pattern=TICKER_RE,
    aliases={
        **{c: c for c in FUNDAMENTALS.columns if c != "source"},
        "date": "asof_date",
        "symbol": "ticker",
    },
    # which P/E definition trailing_pe is ('holdings' or 'quote'); NULL when the file does not
    # say, since another vendor's P/E is neither of Yahoo's
    text=frozenset({"trailing_pe_source"}),
)


def _reader(layout: Layout) -> FileReader:
    return FileReader(layout.key_option, lambda request: read_dataset(request, layout))


register_reader("prices", _reader(PRICE_LAYOUT))
register_reader("fundamentals", _reader(FUNDAMENTAL_LAYOUT))
register_reader("rates", _reader(RATE_LAYOUT))
