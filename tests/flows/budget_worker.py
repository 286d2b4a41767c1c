"""One worker process of tests/flows/test_budget.py: extract prices through the daily flow's
extract task against the loopback Yahoo at ``argv[1]`` (port) for the tickers in ``argv[2]``.

It imports everything, says ``ready``, waits for a line on stdin (so both workers extract at
the same time, whatever their start-up took), then prints its result as one JSON line.
"""

import json
import sys
import time
from datetime import date

from fakes import YahooServer, yfinance_session

from contracts.settings import get_settings
from flows.daily import extract_task
from pipeline.steps import Plan

WINDOW = (date(2025, 6, 2), date(2025, 6, 13))


def main() -> None:
    port, tickers = int(sys.argv[1]), sys.argv[2].split(",")
    plan = Plan(prices=dict.fromkeys(tickers, WINDOW))
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.time()
    with yfinance_session(YahooServer(port=port).session()):
        extraction = extract_task(
            "prices", 1, "live", plan.prices, WINDOW[1], get_settings(), plan.series_meta
        )
    result = {
        "started": started,
        "finished": time.time(),
        "rows": len(extraction.frames["prices"]),
        "failures": [f.message for f in extraction.failures],
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
