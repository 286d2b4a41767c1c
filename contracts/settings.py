"""The one module that reads the environment (and `.env`); everything else receives values."""

import os
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    SettingsConfigDict,
)

from contracts.errors import ConfigError
from contracts.inputs import check_warehouse_path
from contracts.universe import Universe, load_universe

# where the packages live: a source checkout (editable install, `make`) or site-packages
CODE_ROOT = Path(__file__).resolve().parents[1]


def _project_root() -> Path:
    """Where data and .env live: the checkout itself, or for a non-editable install (code in
    site-packages, which must never hold a warehouse) SMALLCAP_HOME, else the user's data
    folder (``$XDG_DATA_HOME/smallcap``, by default ``~/.local/share/smallcap``)."""
    if (CODE_ROOT / "pyproject.toml").is_file():
        return CODE_ROOT
    if home := os.environ.get("SMALLCAP_HOME"):
        return Path(home).expanduser()
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "smallcap"


PROJECT_ROOT = _project_root()
DEFAULT_UNIVERSE = Path(__file__).with_name("universe.toml")
# the project's .env, whatever the current directory of the command that reads the settings
ENV_FILE = PROJECT_ROOT / ".env"

SourceName = Literal["live", "sample"]
# the storage format BI snapshots are written in: DuckDB 1.4, the line BI drivers bundle
BI_STORAGE_VERSION = "v1.4.0"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SMALLCAP_", env_file=ENV_FILE, extra="ignore", frozen=True
    )

    warehouse: Path | None = Field(
        default=None, description="Warehouse file; default depends on the source."
    )
    universe_path: Path = Field(
        default=DEFAULT_UNIVERSE, validation_alias=AliasChoices("SMALLCAP_UNIVERSE")
    )
    fred_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("FRED_API_KEY")
    )
    fred_secret_block: str | None = Field(
        default=None, description="Prefect Secret block holding the FRED key."
    )
    fred_base_url: str = "https://api.stlouisfed.org/fred"
    fred_timeout_seconds: float = 30.0
    fred_requests_per_second: float = 2.0
    fred_meta_refresh_days: int = Field(
        default=7,
        ge=0,
        description="Days a series' FRED metadata (title, units, observation end) is kept before "
        "a daily run fetches it again; backfills never fetch it (see README, Methods).",
    )
    yahoo_timeout_seconds: float = 10.0
    holdings_timeout_seconds: float = Field(
        default=30.0, description="Timeout of one download of an issuer's holdings file."
    )
    source_retry_attempts: int = 4
    source_retry_wait_seconds: float = 2.0
    source_retry_max_wait_seconds: float = Field(
        default=60.0, description="Longest single retry wait; a longer Retry-After fails the key."
    )
    yahoo_requests_per_minute: float = 30.0
    request_burst: int = Field(
        default=1,
        ge=1,
        description="Requests a source may send back to back before its rate applies, in the "
        "budget shared through Prefect (the rate limit's size).",
    )
    yahoo_cache_dir: Path = PROJECT_ROOT / "warehouse" / "cache" / "yfinance"
    report_cache_dir: Path = Field(
        default=PROJECT_ROOT / "warehouse" / "cache" / "report",
        description="Keeps the report's Vega script bundle (~1 MB, ~10 s of CPU to build) "
        "between processes, so a one-shot run does not rebuild it.",
    )
    max_failure_ratio: float = 0.5
    price_overlap_days: int = 5
    rate_overlap_days: int = 30
    history_years: int = 3
    sample_bad_rows: bool = False
    task_runner: Literal["threads", "dask"] = "threads"
    task_workers: int = Field(default=8, description="Threads for extraction/validation fan-out.")
    dask_address: str | None = Field(
        default=None, description="Scheduler of an existing Dask cluster; else a local one."
    )
    dask_workers: int = Field(default=2, description="Worker processes of the local cluster.")
    extract_batch_size: int = Field(
        default=100,
        ge=1,
        description="Keys per extract task: each group's keys are split into batches this size, "
        "each its own task on the task runner (holdings stay one batch).",
    )
    keep_prefect_server: bool = Field(
        default=False,
        description="A one-shot run with no Prefect server starts the local one (`smallcap "
        "server start`) and leaves it running for the next run, instead of a temporary one.",
    )
    notify_block: str | None = Field(
        default=None,
        description="Prefect notification block 'type-slug/name' told about failed/partial runs.",
    )
    bi_storage_version: str = BI_STORAGE_VERSION
    lock_timeout_seconds: float = 60.0
    writer_wait_seconds: float = Field(
        default=3600.0,
        description="How long a run waits for another run writing the same warehouse.",
    )
    data_docs_dir: Path | None = Field(
        default=PROJECT_ROOT / "warehouse" / "gx" / "data_docs",
        description="GX Data Docs of every run's validation results; empty turns them off.",
    )

    @field_validator("warehouse")
    @classmethod
    def _plain_warehouse(cls, value: Path | None) -> Path | None:
        return None if value is None else check_warehouse_path(value)

    @field_validator("data_docs_dir", mode="before")
    @classmethod
    def _empty_disables(cls, value: object) -> object:
        return None if value == "" else value

    def warehouse_for(self, source: SourceName) -> Path:
        """The configured warehouse, or the per-source default inside `warehouse/`."""
        if self.warehouse is not None:
            return self.warehouse
        name = "sample.duckdb" if source == "sample" else "market.duckdb"
        return PROJECT_ROOT / "warehouse" / name

    def warehouse_to_read(self) -> Path:
        """For read commands: the configured file, else the live one if it exists, else sample."""
        live = self.warehouse_for("live")
        return live if self.warehouse is not None or live.exists() else self.warehouse_for("sample")

    def bi_database_for(self, path: Path) -> Path:
        """The read-only snapshot BI tools connect to, published after each successful run."""
        return path.parent / "bi" / f"{path.stem}.duckdb"

    def report_for(self, path: Path) -> Path:
        """The HTML report written after each published run, beside the BI snapshot's folder."""
        return path.parent / "reports" / f"{path.stem}.html"

    def data_docs_for(self, path: Path) -> Path | None:
        """One Data Docs site per warehouse file, so sample runs never mix with live ones."""
        return None if self.data_docs_dir is None else self.data_docs_dir / path.stem

    @cached_property
    def universe(self) -> Universe:
        return load_universe(self.universe_path)


def get_settings(**overrides: object) -> Settings:
    """Fresh settings from the environment; overrides win (CLI flags). A bad value fails with
    the variable's name (never its value: it may be a secret)."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{_variable(str(e['loc'][0]))}: {_message(e['msg'])}" if e["loc"] else e["msg"]
            for e in exc.errors()
        )
        raise ConfigError(f"invalid setting {problems}") from None


def _message(text: str) -> str:
    """A validator's own message, without pydantic's prefix."""
    return text.removeprefix("Value error, ")


def _variable(field: str) -> str:
    """The environment variable behind a settings field (aliases are already upper case)."""
    return field if field.isupper() else f"SMALLCAP_{field.upper()}"


def variable_of(field: str) -> str:
    """The environment variable that sets ``field`` (its alias, else SMALLCAP_<FIELD>)."""
    alias = Settings.model_fields[field].validation_alias
    return str(alias.choices[0]) if isinstance(alias, AliasChoices) else _variable(field)


def setting_origins(**overrides: object) -> dict[str, str]:
    """Where each setting's effective value comes from, in pydantic-settings' precedence:
    ``flag`` (an override), ``environment``, ``.env`` (the project's), else ``default``."""
    by_key = {variable_of(f): f for f in Settings.model_fields}

    def fields(found: dict[str, object]) -> set[str]:
        return {by_key.get(key, key) for key in found}

    environment = fields(EnvSettingsSource(Settings)())
    dotenv = fields(DotEnvSettingsSource(Settings, env_file=Settings.model_config["env_file"])())
    flags = {k for k, v in overrides.items() if v is not None}
    return {
        field: "flag"
        if field in flags
        else "environment"
        if field in environment
        else ".env"
        if field in dotenv
        else "default"
        for field in Settings.model_fields
    }
