from datetime import date

import pandas as pd
import pytest

from contracts.errors import DataQualityError, WarehouseError
from contracts.settings import get_settings
from pipeline.bulk import validate_and_load
from sources import sample
from warehouse.loader import LoadResult

RUN_DATE = date(2025, 3, 31)
TICKERS = ["IWM", "SPY", "IJR"]


def _frames() -> list[pd.DataFrame]:
    """One batch per ticker, the second with a bar that fails validation."""
    frames = [sample.generate_prices([t], date(2025, 1, 2), RUN_DATE) for t in TICKERS]
    frames[1].loc[3, "close"] = -1.0
    return frames


def _count(con) -> int:
    return con.execute("select count(*) from core.prices_daily").fetchall()[0][0]


def test_batches_are_validated_and_loaded_in_one_transaction(con):
    frames = _frames()

    result = validate_and_load(
        con, "prices", iter(frames), run_date=RUN_DATE, run_id="r1", settings=get_settings()
    )

    rows = sum(map(len, frames))
    assert result == LoadResult("prices", rows - 1, rows - 1, 1, 0)
    assert _count(con) == rows - 1
    assert con.execute("select close from quarantine.prices").fetchall() == [(-1.0,)]
    assert con.execute("select count(distinct run_id) from audit.validations").fetchall() == [(1,)]


def test_a_batch_that_fails_as_a_whole_rolls_back_the_batches_before_it(con):
    frames = _frames()
    frames[2]["close"] = -1.0  # every bar broken: the mass-failure stop

    with pytest.raises(DataQualityError, match="failed validation"):
        validate_and_load(
            con, "prices", iter(frames), run_date=RUN_DATE, run_id="r1", settings=get_settings()
        )

    assert _count(con) == 0
    assert con.execute("select count(*) from quarantine.prices").fetchall() == [(0,)]


def test_an_error_while_producing_batches_reaches_the_caller_and_loads_nothing(con):
    def frames():
        yield _frames()[0]
        raise WarehouseError("source broke mid-stream")

    with pytest.raises(WarehouseError, match="mid-stream"):
        validate_and_load(
            con, "prices", frames(), run_date=RUN_DATE, run_id="r1", settings=get_settings()
        )

    assert _count(con) == 0
