"""Fed decisions and easing cycles from hand-written target rows (DFEDTAR and DFEDTARU)."""

from datetime import date

from helpers import TARGET, daily

CYCLES = (
    "select cycle_start::varchar, last_cut::varchar, cuts, total_change_bp, upper_before, "
    "upper_after, history_complete, ongoing from mart.rate_cut_cycles order by cycle_start"
)


def test_consecutive_cuts_form_one_cycle_a_hike_ends_it_and_only_a_hike_proves_a_start(
    seed, build, query
):
    levels = {
        "2024-09-01": 5.50,
        "2024-09-19": 5.00,
        "2024-11-08": 4.75,
        "2025-05-08": 5.00,
        "2025-09-18": 4.75,
    }
    seed(TARGET, daily("DFEDTARU", "2024-09-01", "2025-12-31", levels))

    build(select="+rate_cut_cycles")

    # the first cycle's start is not proven: history begins while the rate is already falling
    assert query(CYCLES) == [
        ("2024-09-19", "2024-11-08", 2, -75.0, 5.50, 4.75, False, False),
        ("2025-09-18", "2025-09-18", 1, -25.0, 5.00, 4.75, True, True),
    ]


def test_the_switch_from_single_target_to_range_is_one_decision(seed, build, query):
    seed(
        TARGET, daily("DFEDTAR", "2008-09-01", "2008-12-15", {"2008-09-01": 2.0, "2008-10-08": 1.5})
    )
    seed(TARGET, daily("DFEDTARU", "2008-12-16", "2009-01-31", {"2008-12-16": 0.25}))
    # a DFEDTARU row before the range existed, or a DFEDTAR row after, is not the target
    seed(TARGET, [("DFEDTARU", date(2008, 12, 1), 9.0), ("DFEDTAR", date(2009, 1, 5), 9.0)])

    build(select="+fomc_decisions +rate_cut_cycles")

    assert query(
        "select effective_date::varchar, old_target_upper, new_target_upper, change_bp, "
        "series_id from mart.fomc_decisions order by effective_date"
    ) == [
        ("2008-10-08", 2.0, 1.5, -50.0, "DFEDTAR"),
        ("2008-12-16", 1.5, 0.25, -125.0, "DFEDTARU"),
    ]
    assert query(CYCLES) == [("2008-10-08", "2008-12-16", 2, -175.0, 2.0, 0.25, False, True)]


def test_a_gap_in_the_loaded_history_is_no_decision_and_hides_the_direction(seed, build, query):
    seed(
        TARGET,
        daily("DFEDTARU", "2023-01-01", "2023-03-31", {"2023-01-01": 4.5, "2023-02-02": 4.75}),
    )
    seed(
        TARGET,
        daily("DFEDTARU", "2024-06-01", "2024-12-31", {"2024-06-01": 5.5, "2024-09-19": 5.0}),
    )

    build(select="+fomc_decisions +rate_cut_cycles")

    decisions = query("select effective_date::varchar, change_bp from mart.fomc_decisions")
    assert sorted(decisions) == [("2023-02-02", 25.0), ("2024-09-19", -50.0)]
    assert query(CYCLES) == [("2024-09-19", "2024-09-19", 1, -50.0, 5.5, 5.0, False, True)]
