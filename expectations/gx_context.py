"""One GX ephemeral context per process, shared by every suite and guarded by a lock.

Creating a context and registering assets is slow relative to validating a small batch, so it
happens once. GX contexts are not documented as thread-safe and the flow validates datasets in
parallel threads, so every call into the context runs under one lock: validations of different
datasets serialise, which costs little because pandas validation holds the GIL anyway.
"""

import threading
from collections.abc import Callable
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from contracts.datasets import Dataset

_DATASOURCE = "smallcap_frames"
_BATCH_DEFINITION = "whole_frame"
# COMPLETE is the format that returns every unexpected row index, which the runner needs.
_RESULT_FORMAT = "COMPLETE"

_lock = threading.Lock()
_context: EphemeralDataContext | None = None
_definitions: dict[str, gx.ValidationDefinition] = {}


def _get_context() -> EphemeralDataContext:
    """In-memory stores, no data docs, no analytics calls, no progress bars in flow logs."""
    global _context
    if _context is None:
        config = DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),
        )
        _context = gx.get_context(mode="ephemeral", project_config=config)
        _context.data_sources.add_pandas(_DATASOURCE)
    return _context


def _definition(
    dataset: Dataset, build_suite: Callable[[], gx.ExpectationSuite]
) -> gx.ValidationDefinition:
    """Register asset, whole-frame batch definition, suite and validation definition once."""
    if dataset.name not in _definitions:
        context = _get_context()
        asset = context.data_sources.get(_DATASOURCE).add_dataframe_asset(dataset.name)
        batch_definition = asset.add_batch_definition_whole_dataframe(_BATCH_DEFINITION)
        suite = context.suites.add(build_suite())
        _definitions[dataset.name] = context.validation_definitions.add(
            gx.ValidationDefinition(name=dataset.table, data=batch_definition, suite=suite)
        )
    return _definitions[dataset.name]


def suite_for(
    dataset: Dataset, build_suite: Callable[[], gx.ExpectationSuite]
) -> gx.ExpectationSuite:
    """The registered suite (its expectation order is the order of quarantine reasons)."""
    with _lock:
        return _definition(dataset, build_suite).suite


def run_suite(
    dataset: Dataset,
    build_suite: Callable[[], gx.ExpectationSuite],
    frame: pd.DataFrame,
    parameters: dict[str, Any],
) -> ExpectationSuiteValidationResult:
    """Validate ``frame`` against the dataset's suite and hand back the full GX result.

    ValidationDefinition.run also keeps each result in the context's in-memory store; the
    caller owns the result, so the store is emptied to keep a long-lived worker's memory flat.
    """
    with _lock:
        definition = _definition(dataset, build_suite)
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=parameters,
            result_format=_RESULT_FORMAT,
        )
        store = _get_context().validation_results_store
        for key in store.list_keys():
            store.remove_key(key)
        return result
