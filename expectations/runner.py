"""Validate one batch against its dataset's suite and split it into rows to load and to quarantine.

Row-level failures never stop a load: the rows that broke an expectation go to quarantine with
the names of every expectation they broke, the rest load. A field-level expectation (marked
with ``expectations.common.field_level``) costs only its value: the row loads with that value
NULL and a copy of the row as extracted goes to quarantine, its reason naming the NULLed
columns; a row that also breaks a row-level expectation is quarantined whole. Batch-level
problems (no rows when rows were expected, schema drift, an expectation that could not be
evaluated) raise DataQualityError because no row of such a batch can be trusted.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import great_expectations as gx
import numpy as np
import pandas as pd
from great_expectations.core import (
    ExpectationSuiteValidationResult,
    ExpectationValidationResult,
)

from contracts.datasets import (
    CONSTITUENT_QUOTES,
    FUNDAMENTALS,
    FUTURES,
    HOLDINGS,
    PRICES,
    RATES,
    SECTOR_WEIGHTS,
    Dataset,
)
from contracts.errors import DataQualityError
from expectations import (
    constituent_quotes,
    fundamentals,
    futures,
    holdings,
    prices,
    rates,
    sector_weights,
)
from expectations.common import NAME_KEY, NULLS_KEY, RUN_DATE
from expectations.gx_context import run_suite, suite_for

logger = logging.getLogger(__name__)

REASON_COLUMN = "reason"
REASON_SEPARATOR = "; "

SUITE_BUILDERS: dict[str, Callable[[], gx.ExpectationSuite]] = {
    PRICES.name: prices.build_suite,
    FUNDAMENTALS.name: fundamentals.build_suite,
    SECTOR_WEIGHTS.name: sector_weights.build_suite,
    RATES.name: rates.build_suite,
    FUTURES.name: futures.build_suite,
    HOLDINGS.name: holdings.build_suite,
    CONSTITUENT_QUOTES.name: constituent_quotes.build_suite,
}


@dataclass(frozen=True)
class ExpectationResult:
    """One row of audit.validations: how one expectation fared on one batch."""

    suite: str
    expectation: str
    success: bool
    unexpected_count: int


@dataclass
class ValidationOutcome:
    """The split batch plus the evidence for it.

    ``gx_result`` is GX's full result object (``.to_json_dict()`` for artifacts); it is None
    when an empty batch was accepted without validation. ``failed_rows`` are the positions in
    the input frame of the quarantined rows, in order (to trace them back to stored rows);
    ``nulled_rows`` are those among them that also load, with their failing fields NULL;
    ``unreadable`` counts rows the source could not even parse (a file's bad cells), which
    join ``quarantined`` after validation with their own reason.
    """

    dataset: str
    valid: pd.DataFrame
    quarantined: pd.DataFrame
    results: list[ExpectationResult]
    gx_result: ExpectationSuiteValidationResult | None = None
    failed_rows: tuple[int, ...] = ()
    nulled_rows: tuple[int, ...] = ()
    unreadable: int = 0

    @property
    def rows_in(self) -> int:
        """Rows of the batch as extracted (a row loaded with a NULLed field counts once)."""
        return len(self.valid) + self.rows_rejected

    @property
    def rows_rejected(self) -> int:
        """Rows quarantined whole (not loaded at all)."""
        return len(self.failed_rows) - len(self.nulled_rows) + self.unreadable


def validate_batch(
    dataset: Dataset, frame: pd.DataFrame, *, run_date: date, expect_rows: bool = True
) -> ValidationOutcome:
    """Validate ``frame`` (exactly ``dataset.columns``) as of ``run_date`` and split it.

    Valid and quarantined rows keep the caller's dtypes; only the copy GX sees has its date
    column as datetime64[ns], since GX's pandas path is ~4x slower on [us] (benchmarks/README.md).
    """
    _check_columns(dataset, frame)
    original = frame.reset_index(drop=True)
    if original.empty:
        if expect_rows:
            raise DataQualityError(
                f"{dataset.name} batch for run_date {run_date} is empty; the source returned "
                f"no rows for {dataset.table}. Check the extraction window, or pass "
                "expect_rows=False where an empty batch is normal (holidays, no new data)."
            )
        return ValidationOutcome(dataset.name, original, _quarantine(original, []), [])

    build_suite = SUITE_BUILDERS[dataset.name]
    work = _for_validation(dataset, original)
    gx_result = run_suite(dataset, build_suite, work, {RUN_DATE: pd.Timestamp(run_date)})
    suite = suite_for(dataset, build_suite)

    by_name = {r.expectation_config.meta[NAME_KEY]: r for r in gx_result.results}
    results: list[ExpectationResult] = []
    masks: dict[str, np.ndarray] = {}
    nulls: dict[str, list[str]] = {}
    for expectation in suite.expectations:
        name = expectation.meta[NAME_KEY]
        outcome = by_name[name]
        _raise_if_errored(dataset, name, outcome)
        count = int(outcome.result.get("unexpected_count") or 0)
        results.append(ExpectationResult(suite.name, name, bool(outcome.success), count))
        if not outcome.success:
            masks[name] = _row_mask(dataset, name, outcome, len(original))
            if NULLS_KEY in expectation.meta:
                nulls[name] = list(expectation.meta[NULLS_KEY])

    rejected = np.zeros(len(original), dtype=bool)
    failed = np.zeros(len(original), dtype=bool)
    for name, mask in masks.items():
        failed |= mask
        if name not in nulls:
            rejected |= mask
    rows = np.flatnonzero(failed)
    reasons = [
        REASON_SEPARATOR.join(_reason(name, nulls.get(name)) for name, m in masks.items() if m[i])
        for i in rows
    ]
    valid = _with_nulls(original, masks, nulls, keep=~rejected)
    quarantined = _quarantine(original.loc[failed].reset_index(drop=True), reasons)
    nulled = np.flatnonzero(failed & ~rejected)
    logger.info(
        "validated %d %s rows for run_date %s: %d valid (%d with a field NULLed), "
        "%d quarantined whole",
        len(original),
        dataset.name,
        run_date,
        len(valid),
        len(nulled),
        int(rejected.sum()),
    )
    return ValidationOutcome(
        dataset.name,
        valid,
        quarantined,
        results,
        gx_result,
        tuple(int(i) for i in rows),
        tuple(int(i) for i in nulled),
    )


def _reason(name: str, nulled: list[str] | None) -> str:
    """The expectation's name, plus which columns were loaded as NULL for a field-level one."""
    return name if nulled is None else f"{name} (loaded as NULL: {', '.join(nulled)})"


def _with_nulls(
    original: pd.DataFrame,
    masks: dict[str, np.ndarray],
    nulls: dict[str, list[str]],
    *,
    keep: np.ndarray,
) -> pd.DataFrame:
    """The rows to load: ``keep`` rows, with each failed field-level value set to NULL."""
    valid = original.copy() if nulls else original
    for name, columns in nulls.items():
        valid.loc[masks[name], columns] = None
    return valid.loc[keep].reset_index(drop=True)


def _check_columns(dataset: Dataset, frame: pd.DataFrame) -> None:
    expected = list(dataset.columns)
    actual = [str(c) for c in frame.columns]
    missing = [c for c in expected if c not in actual]
    extra = [c for c in actual if c not in expected]
    duplicated = sorted({c for c in actual if actual.count(c) > 1})
    if missing or extra or duplicated:
        raise DataQualityError(
            f"{dataset.name} batch does not match {dataset.table}: missing columns {missing}, "
            f"unexpected columns {extra}, duplicated columns {duplicated}. The source's "
            f"normalize step must emit exactly {expected}."
        )


def _for_validation(dataset: Dataset, original: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy whose date column is naive datetime64[ns] (unparseable values -> NaT)."""
    work = original.copy(deep=False)
    column = work[dataset.date_column]
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_localize(None)  # keep exchange-local wall dates
    try:
        work[dataset.date_column] = pd.to_datetime(column, errors="coerce").astype("datetime64[ns]")
    except (ValueError, OverflowError) as exc:
        raise DataQualityError(
            f"{dataset.name} batch: column {dataset.date_column} holds dates outside "
            f"1677..2262 that cannot be validated ({exc}); fix the source's date parsing."
        ) from exc
    return work


def _raise_if_errored(dataset: Dataset, name: str, outcome: ExpectationValidationResult) -> None:
    """An expectation GX could not evaluate says nothing about any row: stop the batch."""
    info = outcome.exception_info or {}
    infos = [info, *(v for v in info.values() if isinstance(v, dict))]
    for item in infos:
        if item.get("raised_exception"):
            raise DataQualityError(
                f"{dataset.name} batch: {name} could not be evaluated "
                f"({item.get('exception_message')}); check the column dtypes against "
                f"{dataset.table}."
            )


def _row_mask(
    dataset: Dataset, name: str, outcome: ExpectationValidationResult, n_rows: int
) -> np.ndarray:
    indices = outcome.result.get("unexpected_index_list")
    if indices is None:
        raise DataQualityError(
            f"{dataset.name} batch: {name} failed but GX reported no row indices, so the "
            "failing rows cannot be quarantined."
        )
    mask = np.zeros(n_rows, dtype=bool)
    mask[np.asarray(indices, dtype=np.int64)] = True
    return mask


def _quarantine(rows: pd.DataFrame, reasons: list[str]) -> pd.DataFrame:
    quarantined = rows.copy()
    quarantined[REASON_COLUMN] = pd.Series(reasons, index=quarantined.index, dtype=str)
    return quarantined
