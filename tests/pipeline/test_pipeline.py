from datetime import date

import pytest

from contracts.errors import DataQualityError
from contracts.settings import get_settings
from pipeline.steps import validate
from sources.extraction import Extraction
from sources.sample import generate_prices

RUN_DATE = date(2025, 3, 31)


def _prices(n_bad: int) -> Extraction:
    frame = generate_prices(["IWM"], date(2025, 1, 2), RUN_DATE)
    frame.loc[: n_bad - 1, "close"] = -1.0
    return Extraction(frames={"prices": frame})


def test_a_few_bad_rows_are_quarantined_and_the_rest_validate():
    outcome = validate("prices", _prices(3), run_date=RUN_DATE, settings=get_settings())

    assert len(outcome.quarantined) == 3
    assert len(outcome.valid) == len(_prices(3).frames["prices"]) - 3


def test_a_batch_where_most_rows_fail_stops_the_load():
    with pytest.raises(DataQualityError, match=r"failed validation .* nothing loaded"):
        validate("prices", _prices(50), run_date=RUN_DATE, settings=get_settings())
