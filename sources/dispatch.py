"""One entry point per dataset group, whatever the source, so the flow never branches on it."""

from collections.abc import Mapping
from datetime import date

from pydantic import SecretStr

from smallcap.calendar import trading_days_back
from smallcap.settings import Settings
from sources import fred, sample, yahoo
from sources.extraction import Extraction

Windows = Mapping[str, tuple[date, date]]


def extract_prices(source: str, windows: Windows, *, settings: Settings) -> Extraction:
    if source == "sample":
        return sample.extract_prices(windows)
    return yahoo.extract_prices(windows, settings=settings)


def extract_fundamentals(
    source: str, windows: Windows, *, run_date: date, settings: Settings
) -> Extraction:
    """Sample history for every window; Yahoo only knows the current snapshot, which describes
    the last session on or before run_date."""
    if source == "sample":
        return sample.extract_fundamentals(windows)
    asof = trading_days_back(run_date, 0)
    return yahoo.extract_fundamentals(list(windows), asof, settings=settings)


def extract_rates(
    source: str, windows: Windows, *, settings: Settings, api_key: SecretStr | None
) -> Extraction:
    if source == "sample":
        return sample.extract_rates(windows)
    return fred.extract_rates(windows, api_key=api_key, settings=settings)
