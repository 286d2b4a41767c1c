"""One small hierarchy so the CLI can turn any expected failure into one clear line."""


class SmallcapError(Exception):
    """Base class: an expected failure with a message a user can act on."""


class ConfigError(SmallcapError):
    """The universe file, settings or a command-line value is invalid."""


class SourceError(SmallcapError):
    """A source (Yahoo, FRED, sample) could not deliver a batch."""


class DataQualityError(SmallcapError):
    """A batch failed a batch-level check (empty, missing columns) and must not load."""


class WarehouseError(SmallcapError):
    """The warehouse refused an operation (mixed sources, lock held, bad query)."""


class TransformError(SmallcapError):
    """A SQL model or an error-severity data test failed while building the marts."""


class WarehouseLockedError(WarehouseError):
    """Another process holds the warehouse's write lock (a run, or a BI tool on the file)."""


def first_line(exc: BaseException) -> str:
    """An exception as one line for an `error:` message: DuckDB and pandas messages run over
    several lines, and some exceptions carry no message at all (then their type)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
