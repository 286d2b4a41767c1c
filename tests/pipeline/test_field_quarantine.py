"""A value that fails its own expectation costs only that value: through validate and load into
a real warehouse, and through a quarantine release that still rejects it."""

from datetime import date
from pathlib import Path

import pytest

from contracts.settings import get_settings
from pipeline.quarantine import release
from pipeline.steps import load_dataset, validate
from sources.extraction import Extraction
from sources.sample import generate_fundamentals
from warehouse.connection import warehouse

RUN_DATE = date(2025, 3, 31)
BAD_DAY = date(2025, 3, 27)


@pytest.fixture
def loaded(tmp_path: Path) -> tuple[Path, object]:
    path = tmp_path / "field.duckdb"
    frame = generate_fundamentals(["IWM"], date(2025, 3, 24), RUN_DATE)
    frame.loc[frame["asof_date"] == str(BAD_DAY), "trailing_pe"] = -5.0
    extraction = Extraction(frames={"fundamentals": frame})
    settings = get_settings(warehouse=path)
    outcome = validate("fundamentals", extraction, run_date=RUN_DATE, settings=settings)
    result = load_dataset(path, "fundamentals", outcome, extraction, run_id="r1", settings=settings)
    return path, result


def _snapshot(path: Path) -> tuple:
    with warehouse(path, read_only=True) as con:
        return con.execute(
            "select trailing_pe, trailing_pe_source, total_assets > 0, nav_price > 0 "
            "from core.fundamentals_daily where asof_date = ?",
            [BAD_DAY],
        ).fetchall()[0]


def test_a_pe_of_minus_five_is_quarantined_with_its_reason_and_the_aum_and_nav_load(loaded):
    path, result = loaded

    with warehouse(path, read_only=True) as con:
        days = con.execute("select count(*) from core.fundamentals_daily").fetchall()[0][0]
        quarantined = con.execute(
            "select asof_date, trailing_pe, total_assets > 0, reason from quarantine.fundamentals"
        ).fetchall()
    assert (result.rows_loaded, result.rows_quarantined, days) == (6, 1, 6)
    assert _snapshot(path) == (None, None, True, True)
    assert quarantined == [
        (
            BAD_DAY,
            -5.0,
            True,
            "expect_column_values_to_be_between(trailing_pe) "
            "(loaded as NULL: trailing_pe, trailing_pe_source)",
        )
    ]


def test_a_release_that_still_rejects_the_value_keeps_it_quarantined_and_core_as_it_is(loaded):
    path, _ = loaded

    report = release(
        path, settings=get_settings(warehouse=path), run_date=RUN_DATE, dataset="fundamentals"
    )

    with warehouse(path, read_only=True) as con:
        left = con.execute("select count(*) from quarantine.fundamentals").fetchall()[0][0]
    entry = report.dataset("fundamentals")
    assert (entry.rows_loaded, entry.rows_quarantined, left) == (0, 1, 1)
    assert _snapshot(path) == (None, None, True, True)
