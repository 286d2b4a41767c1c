"""Shared pieces of the suites: run-time parameters and stable expectation names.

Names are derived from the expectation type and its columns (never from GX's generated ids), so
quarantine reasons and ``audit.validations`` rows stay comparable from one run to the next.
"""

from collections.abc import Iterable
from typing import Any

import great_expectations as gx
from great_expectations.expectations import Expectation

NAME_KEY = "name"
"""Key in each expectation's ``meta`` that holds its stable name."""

NULLS_KEY = "null_on_failure"
"""Key in an expectation's ``meta``: the columns to load as NULL where it fails (field-level)."""

RUN_DATE = "run_date"
"""Parameter: the run's date; no row may be dated after it (a future date is a source bug)."""


def param(name: str) -> dict[str, str]:
    """GX's ``$PARAMETER`` marker: suites stay static, per-run values arrive at validation."""
    return {"$PARAMETER": name}


def expectation_name(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """``expect_x(col)`` / ``expect_x(a,b)``: readable, and stable as long as the suite is."""
    if "column_list" in kwargs:
        columns = list(kwargs["column_list"])
    elif "column_A" in kwargs:
        columns = [kwargs["column_A"], kwargs["column_B"]]
    elif "column" in kwargs:
        columns = [kwargs["column"]]
    else:
        columns = []
    return f"{expectation_type}({','.join(columns)})"


def field_level(expectation: Expectation, *also: str) -> Expectation:
    """Make a failure of ``expectation`` cost only its own value: the row still loads, with
    the expectation's column (and ``also``, values that mean nothing without it) as NULL,
    and the original row goes to quarantine with the reason. For values a row can do without,
    never for keys and dates."""
    column = expectation.configuration.kwargs["column"]
    expectation.meta = {**(expectation.meta or {}), NULLS_KEY: [column, *also]}
    return expectation


def named_suite(table: str, expectations: Iterable[Expectation]) -> gx.ExpectationSuite:
    """A suite named after the table it guards, every expectation stamped with its name.

    Two expectations with the same name would make quarantine reasons ambiguous, so that is
    refused when the suite is built rather than discovered in the warehouse. Expectations go
    through the constructor, not ``add_expectation``: the latter writes into the store of any
    registered suite with the same name, which makes the registered one stale.
    """
    named: list[Expectation] = []
    seen: set[str] = set()
    for expectation in expectations:
        config = expectation.configuration
        name = expectation_name(config.type, config.kwargs)
        if name in seen:
            raise ValueError(f"suite {table} has two expectations named {name}")
        seen.add(name)
        expectation.meta = {**(expectation.meta or {}), NAME_KEY: name}
        named.append(expectation)
    return gx.ExpectationSuite(name=table, expectations=named)
