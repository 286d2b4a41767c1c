"""Plan.batches: each group's windows in batches of keys for one extract task each."""

from datetime import date

from pipeline.steps import Plan

WINDOW = (date(2026, 1, 2), date(2026, 1, 30))


def test_windows_split_in_plan_order_and_nothing_to_fetch_is_no_batch():
    plan = Plan(prices=dict.fromkeys(["IWM", "SPY", "QQQ", "IJR", "IVV"], WINDOW))

    batches = plan.batches("prices", 2)

    assert [list(b) for b in batches] == [["IWM", "SPY"], ["QQQ", "IJR"], ["IVV"]]
    assert all(w == WINDOW for b in batches for w in b.values())
    assert plan.batches("rates", 2) == []


def test_holdings_stay_one_batch_as_their_funds_share_constituent_quotes():
    plan = Plan(holdings=dict.fromkeys(["IWM", "IJR", "IVV"], WINDOW))

    assert plan.batches("holdings", 1) == [plan.holdings]
