"""The report's charts as Vega-Lite specs (Altair): one function per chart, data in, spec out.

Every chart carries its title, its axis units, and a subtitle with the data's as-of date and
source (``caption``); the page adds nothing the chart does not say itself.
"""

import json
import threading
from typing import Any

import altair as alt
import pandas as pd

from report.queries import ChartData

WIDTH = 760
RED = "#c0392b"
Spec = dict[str, Any]
# Altair's registered and enabled data transformers are process-wide: one render at a time
_RENDER = threading.Lock()


def _title(title: str, caption: list[str]) -> alt.TitleParams:
    return alt.TitleParams(text=title, subtitle=caption, anchor="start", fontSize=16)


def _date() -> alt.X:
    """Months with their year: a three-year axis of bare month names is ambiguous."""
    return alt.X("date:T", title="date", axis=alt.Axis(format="%b %Y", labelOverlap=True))


def _pct(title: str) -> alt.Axis:
    return alt.Axis(format="%", title=title)


def _spec(chart: alt.TopLevelMixin) -> Spec:
    """The chart's spec with every row embedded (on purpose: a few thousand per chart, no row
    limit) as top-level named datasets. The rows go straight from pandas' JSON writer into
    ``datasets`` instead of through Altair's per-value sanitising, deep copies and schema
    validation of the data, which cost seconds a chart on years of history; the spec itself is
    still validated."""
    rows: dict[str, list[dict[str, Any]]] = {}

    def named(frame: pd.DataFrame) -> dict[str, str]:
        name = f"data-{len(rows)}"
        rows[name] = json.loads(frame.to_json(orient="records", date_format="iso"))
        return {"name": name}

    with _RENDER:
        alt.data_transformers.register("smallcap-named", named)
        with alt.data_transformers.enable("smallcap-named"):
            spec = chart.to_dict()
    spec.setdefault("datasets", {}).update(rows)
    return spec


def pe_discount(data: ChartData, title: str, caption: list[str]) -> Spec:
    """Discount per pair, its rolling mean (dashed) and 1/2-sigma bands of the z-score window."""
    base = alt.Chart().encode(x=_date())
    color = alt.Color("measure:N", title="P/E", scale=alt.Scale(scheme="category10"))
    y_band = alt.Y("band2_lo:Q", axis=_pct("discount of small vs large P/E (%)"))
    layers = alt.layer(
        base.mark_area(opacity=0.10).encode(y=y_band, y2="band2_hi:Q", color=color),
        base.mark_area(opacity=0.18).encode(y="band1_lo:Q", y2="band1_hi:Q", color=color),
        base.mark_line(strokeDash=[4, 3], strokeWidth=1).encode(y="mean:Q", color=color),
        base.mark_line(strokeWidth=1.6).encode(
            y="discount:Q",
            color=color,
            tooltip=[
                alt.Tooltip("date:T"),
                alt.Tooltip("pair:N"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("discount:Q", format=".1%"),
                alt.Tooltip("mean:Q", format=".1%", title="252-snapshot mean"),
            ],
        ),
        data=data.main,
    ).properties(width=WIDTH, height=170)
    chart = layers.facet(row=alt.Row("pair:N", title=None)).properties(title=_title(title, caption))
    return _spec(chart)


def flows(data: ChartData, title: str, caption: list[str]) -> Spec:
    """Basket flows and rotation; red triangles mark days with a low-quality estimate."""
    base = alt.Chart(data.main).encode(
        x=_date(),
        y=alt.Y("pct_aum:Q", axis=_pct("estimated flow, 20-session sum (% of basket AUM)")),
    )
    lines = base.mark_line(strokeWidth=1.4).encode(
        color=alt.Color("series:N", title=None),
        tooltip=["date:T", "series:N", alt.Tooltip("pct_aum:Q", format=".3%")],
    )
    low = (
        base.transform_filter("datum.issues != null && datum.series == 'rotation (small - large)'")
        .mark_point(shape="triangle-up", color=RED, size=40, filled=True)
        .encode(tooltip=["date:T", alt.Tooltip("issues:N", title="low quality")])
    )
    chart = alt.layer(lines, low).properties(width=WIDTH, height=280, title=_title(title, caption))
    return _spec(chart)


def _cycle_shading(cycles: pd.DataFrame) -> alt.Chart:
    return (
        alt.Chart(cycles)
        .mark_rect(color="#7f8c8d", opacity=0.18)
        .encode(
            x="cycle_start:T",
            x2="cycle_end:T",
            tooltip=[
                alt.Tooltip("cycle_start:T", title="easing cycle from"),
                alt.Tooltip("cuts:Q", title="cuts"),
            ],
        )
    )


def relative_performance(data: ChartData, title: str, caption: list[str]) -> Spec:
    """Small vs large per pair over time, easing cycles shaded behind the lines."""
    frame, cycles = data.main, data.frames["cycles"]
    if data.variant == "ratio":
        lines = (
            alt.Chart(frame)
            .mark_line(strokeWidth=1.5)
            .encode(
                x=_date(),
                y=alt.Y(
                    "value:Q",
                    scale=alt.Scale(zero=False),
                    title="small / large total return (index, first day = 100)",
                ),
                color=alt.Color("pair:N", title=None),
                tooltip=["date:T", "pair:N", alt.Tooltip("value:Q", format=".1f")],
            )
        )
        chart = alt.layer(_cycle_shading(cycles), lines).properties(width=WIDTH, height=280)
        return _spec(chart.properties(title=_title(title, caption)))
    panels = []
    for pair, rows in frame.groupby("pair", sort=True):
        lines = (
            alt.Chart(rows)
            .mark_line(strokeWidth=1.3)
            .encode(
                x=_date(),
                y=alt.Y("value:Q", axis=_pct(f"{pair}: small minus large return (%)")),
                color=alt.Color("horizon:N", title="horizon"),
                tooltip=["date:T", "horizon:N", alt.Tooltip("value:Q", format=".1%")],
            )
        )
        panels.append(alt.layer(_cycle_shading(cycles), lines).properties(width=WIDTH, height=170))
    return _spec(alt.vconcat(*panels).properties(title=_title(title, caption)))


def returns_after_cuts(data: ChartData, title: str, caption: list[str]) -> Spec:
    """Per pair and horizon: every cycle as a dot, the mean over cycles as a bar, the median
    as a black tick."""
    base = alt.Chart().encode(
        x=alt.X("horizon:O", title="sessions after the first cut"),
    )
    y_axis = _pct("small minus large return (%)")
    summary_tooltip = [
        alt.Tooltip("horizon:O", title="sessions"),
        alt.Tooltip("mean(small_minus_large):Q", format=".1%", title="mean"),
        alt.Tooltip("median(small_minus_large):Q", format=".1%", title="median"),
        alt.Tooltip("count():Q", title="cycles"),
        alt.Tooltip("mean(beat):Q", format=".0%", title="share of cycles small beat large"),
    ]
    layers = alt.layer(
        base.mark_bar(color="#bdc3c7", size=28).encode(
            y=alt.Y("mean(small_minus_large):Q", axis=y_axis), tooltip=summary_tooltip
        ),
        base.mark_tick(color="black", thickness=2, size=28).encode(
            y="median(small_minus_large):Q", tooltip=summary_tooltip
        ),
        base.mark_circle(size=70, opacity=0.9).encode(
            y="small_minus_large:Q",
            color=alt.Color("cycle:N", title="easing cycle from"),
            tooltip=[
                alt.Tooltip("cycle:N", title="cycle from"),
                alt.Tooltip("horizon:O", title="sessions"),
                alt.Tooltip("small_minus_large:Q", format=".1%"),
            ],
        ),
        data=data.main.assign(cycle=data.main["cycle_start"].astype(str).str[:10]),
    ).transform_calculate(beat="datum.small_minus_large > 0 ? 1 : 0")
    chart = layers.properties(width=240, height=220).facet(
        column=alt.Column("pair:N", title=None), columns=3
    )
    return _spec(chart.properties(title=_title(title, caption)))


def policy_path(data: ChartData, title: str, caption: list[str]) -> Spec:
    """Implied rate per contract month; the dashed line is the current target's midpoint."""
    frame = data.main
    x = alt.X("contract_month:O", title="futures contract month")
    path = (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=x,
            y=alt.Y("implied_rate:Q", scale=alt.Scale(zero=False), title="rate (% per year)"),
            tooltip=[
                "contract_month:O",
                alt.Tooltip("implied_rate:Q", format=".3f"),
                alt.Tooltip("implied_change_bp:Q", format=".0f", title="vs target (bp)"),
                alt.Tooltip("cuts_priced:Q", format=".2f"),
            ],
        )
    )
    target = (
        alt.Chart(frame)
        .mark_rule(strokeDash=[6, 4], color=RED)
        .encode(y="mean(target_mid):Q", tooltip=[alt.Tooltip("mean(target_mid):Q", title="target")])
    )
    chart = alt.layer(path, target).properties(
        width=WIDTH, height=260, title=_title(title, caption)
    )
    return _spec(chart)


def latest_per_fund(data: ChartData, title: str, caption: list[str]) -> Spec:
    """One small bar chart per metric (own y scale: weights, ratios and counts differ)."""
    chart = (
        alt.Chart(data.main)
        .mark_bar()
        .encode(
            x=alt.X("fund:N", title=None),
            y=alt.Y("value:Q", title="value (unit of the metric: weights 0-1, P/E in x)"),
            color=alt.Color("fund:N", legend=None),
            tooltip=["fund:N", "metric:N", alt.Tooltip("value:Q", format=".3f"), "asof_date:T"],
        )
        .properties(width=180, height=140)
        .facet(facet=alt.Facet("metric:N", title=None), columns=4)
        .resolve_scale(y="independent")
        .properties(title=_title(title, caption))
    )
    return _spec(chart)
