"""One GX ephemeral context per process, shared by every suite and guarded by a lock.

Creating a context and registering assets is slow relative to validating a small batch, so it
happens once. GX contexts are not documented as thread-safe and the flow validates datasets in
parallel threads, so every call into the context runs under one lock: validations of different
datasets serialise, which costs little because pandas validation holds the GIL anyway.

A batch is validated in two passes over one loaded GX batch. The whole suite runs with the
BASIC result format (success and unexpected count of every expectation: all ``audit.validations``
needs); only the expectations that failed run again with COMPLETE, which returns every unexpected
row index for quarantine. COMPLETE costs a third more per expectation (GX filters the whole
frame for the unexpected values, their index list, counts and a query per expectation, even
when nothing failed), and a batch where everything passes, the usual one, needs none of it.
"""

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context import EphemeralDataContext
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.execution_engine import pandas_execution_engine
from great_expectations.validator.v1_validator import Validator

from contracts.datasets import Dataset
from expectations.common import NAME_KEY

_DATASOURCE = "smallcap_frames"
_BATCH_DEFINITION = "whole_frame"
# every expectation's success and unexpected count
_SCREEN_FORMAT = "BASIC"
# COMPLETE is the format that returns every unexpected row index, which quarantine needs
_ROWS_FORMAT = "COMPLETE"

# GX fingerprints every pandas batch it loads (an MD5 over pandas' row hashes of the whole
# frame) for a batch marker nothing here reads: 0.4 s of a 2.5 s validation of 630k price rows.
# Its own threshold skips the fingerprint for frames above it; 0 skips it for every frame.
pandas_execution_engine.HASH_THRESHOLD = 0

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
    """Validate ``frame`` against the dataset's suite and hand back the full GX result: BASIC
    for the expectations that passed, COMPLETE (every unexpected row index) for those that
    failed (see the module docstring).

    GX's Validator runs the registered batch definition and suite directly rather than through
    ``ValidationDefinition.run``, which would also serialise each result into the context's
    store (the caller owns the result; the store would only grow). The result's meta gets the
    run time and validation id that ``run`` would have stamped, which Data Docs show.
    """
    with _lock:
        definition = _definition(dataset, build_suite)
        validator = Validator(
            batch_definition=definition.batch_definition,
            batch_parameters={"dataframe": frame},
            result_format=_SCREEN_FORMAT,
        )
        result = validator.validate_expectation_suite(definition.suite, parameters)
        failed = {r.expectation_config.meta[NAME_KEY] for r in result.results if not r.success}
        if failed:
            validator.result_format = _ROWS_FORMAT
            complete = {
                e.meta[NAME_KEY]: validator.validate_expectation(e, parameters)
                for e in definition.suite.expectations
                if e.meta[NAME_KEY] in failed
            }
            result.results = [
                complete.get(r.expectation_config.meta[NAME_KEY], r) for r in result.results
            ]
        run_id = RunIdentifier(run_time=datetime.now(UTC))
        result.meta.update(
            validation_id=definition.id, run_id=run_id, validation_time=run_id.run_time
        )
        return result
