"""The issue's targets, checked against a result, and the result as a Markdown report."""

from typing import Any

# (name, limit, the preset the issue sets it for): every preset is checked, for information
TARGETS: tuple[tuple[str, float, str], ...] = (
    ("validate_load_vs_floor", 3.0, "medium"),
    ("ours_vs_dlt", 0.7, "medium"),
    ("reload_vs_first", 0.3, "medium"),
    ("daily_large_vs_empty", 1.5, "large"),
    ("publish_vs_copy", 2.0, "large"),
)
PEAK_RSS_MB = 1536.0


def check_targets(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per target: its limit, the measured value and whether it is met (None: not measured)."""
    checks = {
        name: {"limit": limit, "value": results["ratios"][name], "for": preset}
        for name, limit, preset in TARGETS
    }
    checks["peak_rss_mb"] = {"limit": PEAK_RSS_MB, "value": results["peak_rss_mb"], "for": "large"}
    requests = results["requests"]
    if "total" in requests:
        checks["requests"] = {
            "limit": requests["target"],
            "value": requests["total"],
            "for": "medium",
        }
    for check in checks.values():
        value = check["value"]
        check["met"] = None if value is None else value <= check["limit"]
    return checks


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(results: dict[str, Any]) -> str:
    seconds, rows, machine = results["seconds"], results["rows"], results["machine"]
    lines = [
        f"# Benchmark `{results['preset']}` ({results['started_at']})",
        "",
        f"{rows['tickers']:,} tickers x {rows['years']} years: {rows['prices']:,} price rows "
        f"({rows['prices_quarantined']:,} quarantined), validated and loaded in batches of "
        f"{rows['chunk_tickers']} tickers; the look-through's history "
        f"{rows.get('history_holdings', 0):,} holdings lines and "
        f"{rows.get('history_constituent_quotes', 0):,} constituent quotes (the daily run adds "
        f"{rows.get('daily_holdings', 0):,} and {rows.get('daily_constituent_quotes', 0):,}); "
        f"warehouse {rows['warehouse_mb']:,.0f} MB. "
        f"{machine['cpus']} CPUs, load average {machine['load_average_at_start'][0]} at start; "
        f"DuckDB {machine['duckdb']}, pandas {machine['pandas']}, GX "
        f"{machine['great-expectations']}, dlt {machine['dlt']}.",
        "",
        "| ratio | value | target | met |",
        "| --- | ---: | ---: | :---: |",
    ]
    for name, check in results["targets"].items():
        met = {True: "yes", False: "**no**", None: "n/a"}[check["met"]]
        lines.append(
            f"| {name} | {_fmt(check['value'])} | <= {_fmt(check['limit'])} "
            f"({check['for']}) | {met} |"
        )
    lines += ["", "| measured | seconds |", "| --- | ---: |"]
    lines += [
        f"| {name} | {_fmt(value)} |"
        for name, value in seconds.items()
        if not isinstance(value, dict)
    ]
    lines += [
        "",
        "| daily-run stage | large warehouse | empty warehouse |",
        "| --- | ---: | ---: |",
    ]
    large, empty = seconds["daily_large_stages"], seconds["daily_empty_stages"]
    shares_large, shares_empty = results["shares"]["daily_large"], results["shares"]["daily_empty"]
    for stage in large:
        lines.append(
            f"| {stage} | {_fmt(large[stage])} s ({shares_large[stage]:.0%}) "
            f"| {_fmt(empty.get(stage))} s ({shares_empty.get(stage, 0):.0%}) |"
        )
    marts = results.get("marts")
    if marts:
        lines += [
            "",
            f"Daily-run marts: large warehouse {marts['daily_large']}; "
            f"empty warehouse {marts['daily_empty']}.",
        ]
    share = results["shares"]["validate_then_load"]
    lines += [
        "",
        f"Publish vs a copy with fsync (not a target; the publish fsyncs): "
        f"{_fmt(results['ratios'].get('publish_vs_copy_fsync'))}.",
        "",
        f"Validate, then load, one after the other: validate {share['validate']:.0%}, "
        f"load {share['load']:.0%} (validate_load overlaps them). "
        "Peak RSS by section (MiB): "
        + ", ".join(f"{k} {v:,.0f}" for k, v in results["peak_rss_mb_by_section"].items())
        + ".",
        "",
        f"Backfill requests: {_requests(results['requests'])}",
        "",
    ]
    return "\n".join(lines)


def _requests(requests: dict[str, Any]) -> str:
    if "total" not in requests:
        return f"not counted ({requests.get('skipped')})."
    return (
        f"{requests['total']:,} for a {requests['years']}-year backfill of {requests['tickers']:,} "
        f"tickers and {requests['fred_series']} FRED series ({requests['yahoo_per_ticker']:.1f} "
        f"Yahoo requests per ticker, counted on {requests['counted_tickers']} tickers; "
        f"{requests['fred']} FRED requests); target <= {requests['target']:,}."
    )
