"""GX's own Data Docs for a run's validation results, kept apart from validation itself.

Validation runs on the in-memory context of ``gx_context`` (COMPLETE results, nothing written).
This module builds a second, short-lived context whose validation results store and Data Docs
site are folders under ``directory``: each call stores this run's results there (keyed by suite,
run id and validation time) and renders only their pages plus the index, so the site keeps the
past runs. Results are cut to SUMMARY size first: the row indices COMPLETE returns for the
quarantine are useless on a web page and would make rendering scale with the number of bad rows.
"""

import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
    RunIdentifier,
)
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

logger = logging.getLogger(__name__)

SITE_NAME = "smallcap"
SITE_FOLDER = "site"  # the static site; index.html is at its top
RESULTS_FOLDER = "validations"  # the results store the site is rendered from (its history)
PARTIAL_LIMIT = 20  # examples kept per expectation, as GX's SUMMARY format keeps
# The index loads every result it lists (~3 ms each): it lists the latest 400 (100 runs of four
# datasets), which bounds a build at ~1.5 s. Older pages and results stay on disk.
INDEX_LIMIT = 400
_DROPPED_KEYS = ("unexpected_list", "unexpected_index_list", "unexpected_index_query")
_PARTIAL_KEYS = ("partial_unexpected_list", "partial_unexpected_index_list")


def build_data_docs(
    results: Sequence[ExpectationSuiteValidationResult], directory: Path, *, run_id: str
) -> Path:
    """Add ``results`` to the Data Docs site under ``directory`` and return its index.html."""
    directory = Path(directory)
    context = _context(directory)
    store = context.validation_results_store
    keys = []
    for result in results:
        small = summarize(result, run_id=run_id)
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=small.suite_name),
            run_id=small.meta["run_id"],
            batch_identifier=_batch_name(small),
        )
        store.set(key, small)
        keys.append(key)
    # only this run's pages are rendered; the index lists the latest INDEX_LIMIT stored results
    context.build_data_docs(site_names=[SITE_NAME], resource_identifiers=keys)
    index = directory / SITE_FOLDER / "index.html"
    logger.info("data docs: %d validation results of run %s in %s", len(keys), run_id, index)
    return index


def summarize(
    result: ExpectationSuiteValidationResult, *, run_id: str
) -> ExpectationSuiteValidationResult:
    """A SUMMARY-sized copy labelled with ``run_id``; ``result`` itself is left untouched."""
    validated_at = result.meta.get("validation_time") or datetime.now(UTC)
    meta = {
        **result.meta,
        "run_id": RunIdentifier(run_name=run_id, run_time=validated_at),
        # the page renderer reads the asset name only from 0.x-style batch_kwargs
        "batch_kwargs": {"data_asset_name": _batch_name(result)},
    }
    return ExpectationSuiteValidationResult(
        success=result.success,
        results=[_summarize_one(r) for r in result.results],
        suite_name=result.suite_name,
        suite_parameters=result.suite_parameters,
        statistics=result.statistics,
        meta=meta,
        batch_id=result.batch_id,
    )


def _summarize_one(result: ExpectationValidationResult) -> ExpectationValidationResult:
    details: dict[str, Any] = {
        k: v for k, v in (result.result or {}).items() if k not in _DROPPED_KEYS
    }
    for key in _PARTIAL_KEYS:
        if isinstance(details.get(key), list):
            details[key] = details[key][:PARTIAL_LIMIT]
    if isinstance(details.get("partial_unexpected_counts"), list):
        details["partial_unexpected_counts"] = details["partial_unexpected_counts"][:PARTIAL_LIMIT]
    return ExpectationValidationResult(
        success=result.success,
        expectation_config=result.expectation_config,
        result=details,
        meta=result.meta,
        exception_info=result.exception_info,
    )


def _batch_name(result: ExpectationSuiteValidationResult) -> str:
    batch = result.meta.get("active_batch_definition") or {}
    return str(batch.get("data_asset_name") or result.batch_id or "batch")


def _context(directory: Path) -> EphemeralDataContext:
    """A throwaway context: file-backed results store and site, everything else in memory."""
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    defaults.stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(directory / RESULTS_FOLDER),
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        data_docs_sites={
            SITE_NAME: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(directory / SITE_FOLDER),
                },
                "site_index_builder": {
                    "class_name": "DefaultSiteIndexBuilder",
                    "validation_results_limit": INDEX_LIMIT,
                },
            }
        },
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)
