"""One entry point per dataset group, whatever the source, so the flow never branches on it."""

from collections.abc import Collection, Mapping
from datetime import date

from pydantic import SecretStr

from contracts.calendar import trading_days_back
from contracts.settings import Settings
from sources import fred, lookthrough, sample, sample_holdings, yahoo, yahoo_futures
from sources.extraction import Extraction
from sources.sample_bad_rows import BAD_ROWS

Windows = Mapping[str, tuple[date, date]]


def _sample(extraction: Extraction, *, run_date: date, settings: Settings) -> Extraction:
    """With SMALLCAP_SAMPLE_BAD_ROWS=true the sample source also emits known-bad rows, so a
    newcomer (or a test) can watch validation quarantine them."""
    if settings.sample_bad_rows:
        extraction.frames = {
            name: sample.inject_bad_rows(frame, name, run_date)
            if name in BAD_ROWS and not frame.empty
            else frame
            for name, frame in extraction.frames.items()
        }
    return extraction


def extract_prices(
    source: str, windows: Windows, *, run_date: date, settings: Settings
) -> Extraction:
    if source == "sample":
        extraction = sample.extract_prices(windows, max_failure_ratio=settings.max_failure_ratio)
        return _sample(extraction, run_date=run_date, settings=settings)
    return yahoo.extract_prices(windows, settings=settings)


def extract_fundamentals(
    source: str, windows: Windows, *, run_date: date, settings: Settings
) -> Extraction:
    """Sample history for every window; Yahoo only knows the current snapshot, which describes
    the last session on or before run_date."""
    if source == "sample":
        extraction = sample.extract_fundamentals(
            windows, max_failure_ratio=settings.max_failure_ratio
        )
        return _sample(extraction, run_date=run_date, settings=settings)
    asof = trading_days_back(run_date, 0)
    return yahoo.extract_fundamentals(list(windows), asof, settings=settings)


def extract_rates(
    source: str,
    windows: Windows,
    *,
    run_date: date,
    settings: Settings,
    api_key: SecretStr | None,
    meta_series: Collection[str] | None = None,
) -> Extraction:
    if source == "sample":
        extraction = sample.extract_rates(windows, max_failure_ratio=settings.max_failure_ratio)
        return _sample(extraction, run_date=run_date, settings=settings)
    return fred.extract_rates(windows, api_key=api_key, settings=settings, meta_series=meta_series)


def extract_futures(
    source: str, windows: Windows, *, run_date: date, settings: Settings
) -> Extraction:
    if source == "sample":
        extraction = sample.extract_futures(windows, max_failure_ratio=settings.max_failure_ratio)
        return _sample(extraction, run_date=run_date, settings=settings)
    return yahoo_futures.extract_futures(windows, settings=settings)


def extract_holdings(
    source: str, windows: Windows, *, run_date: date, settings: Settings
) -> Extraction:
    """Holdings per fund and quotes of their constituents. An issuer file and a quote are
    today's snapshot, so live asks once for the last session; the sample dates its snapshot
    on the last session of each fund's window."""
    universe = settings.universe
    if source == "sample":
        extraction = sample_holdings.extract_holdings(
            windows,
            issuer_funds=set(universe.holdings),
            symbols=universe.lookthrough.symbols,
            max_failure_ratio=settings.max_failure_ratio,
        )
        return _sample(extraction, run_date=run_date, settings=settings)
    asof = trading_days_back(run_date, 0)
    return lookthrough.extract_lookthrough(list(windows), asof, settings=settings)


def extract_group(
    group: str,
    source: str,
    windows: Windows,
    *,
    run_date: date,
    settings: Settings,
    api_key: SecretStr | None = None,
    meta_series: Collection[str] | None = None,
) -> Extraction:
    """One extraction group (see contracts.datasets.EXTRACTION_GROUPS) for its windows;
    ``meta_series``: the FRED series whose metadata to fetch too (default: all of them)."""
    if group == "prices":
        return extract_prices(source, windows, run_date=run_date, settings=settings)
    if group == "fundamentals":
        return extract_fundamentals(source, windows, run_date=run_date, settings=settings)
    if group == "futures":
        return extract_futures(source, windows, run_date=run_date, settings=settings)
    if group == "holdings":
        return extract_holdings(source, windows, run_date=run_date, settings=settings)
    return extract_rates(
        source,
        windows,
        run_date=run_date,
        settings=settings,
        api_key=api_key,
        meta_series=meta_series,
    )
