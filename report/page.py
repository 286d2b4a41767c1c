"""One self-contained HTML file: Vega, Vega-Lite and vega-embed inlined, every chart's data in
its spec, so the page opens offline and can be mailed or archived as one file.

A chart whose data is absent keeps its place and says why ("no data: ..."); sample data gets a
banner. The file is written next to itself and renamed, so a reader never sees half a report.
"""

import html
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import duckdb
from altair.utils._importers import vl_version_for_vl_convert

from report import charts, queries
from report.queries import ChartData
from warehouse.publish import published_at

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Section:
    """One chart: its id in the page, title, source line, query and drawing function."""

    key: str
    title: str
    source: str
    query: Callable[[duckdb.DuckDBPyConnection], ChartData]
    draw: Callable[[ChartData, str, list[str]], charts.Spec]


SECTIONS: tuple[Section, ...] = (
    Section(
        "pe-discount",
        "P/E discount of small vs large caps, with z-score bands",
        "Yahoo Finance fund P/E via mart.pe_spread_daily; bands: mean ± 1 and 2 sd over 252 days",
        queries.pe_discount,
        charts.pe_discount,
    ),
    Section(
        "flows",
        "Estimated ETF flows and size rotation",
        "Yahoo Finance fund AUM and NAV via mart.size_rotation_daily; "
        "red triangles: low-quality days",
        queries.flows,
        charts.flows,
    ),
    Section(
        "relative",
        "Relative performance, small vs large, with Fed easing cycles shaded",
        "Yahoo Finance adjusted closes; FRED DFEDTAR/DFEDTARU cycles via mart.rate_cut_cycles",
        queries.relative_performance,
        charts.relative_performance,
    ),
    Section(
        "after-cuts",
        "Small minus large returns after the first cut of each easing cycle",
        "Yahoo Finance adjusted closes, FRED DFEDTAR/DFEDTARU; "
        "dots: cycles, bars: mean, ticks: median",
        queries.returns_after_cuts,
        charts.returns_after_cuts,
    ),
    Section(
        "policy-path",
        "Market-implied policy path vs the current target",
        "CME Fed funds futures quotes via mart.implied_policy_path; FRED target range",
        queries.policy_path,
        charts.policy_path,
    ),
    Section(
        "concentration",
        "Concentration of each fund's holdings (latest)",
        "issuer holdings files via mart.concentration_daily",
        lambda con: queries.latest_per_fund(con, "mart.concentration_daily", "concentration"),
        charts.latest_per_fund,
    ),
    Section(
        "look-through",
        "Look-through valuation from holdings (latest)",
        "issuer holdings files and constituent P/E via mart.fund_valuation_daily",
        lambda con: queries.latest_per_fund(
            con, "mart.fund_valuation_daily", "look-through valuation"
        ),
        charts.latest_per_fund,
    ),
)


@dataclass(frozen=True)
class RenderedReport:
    html: str
    charts: dict[str, int]  # section key -> rows drawn (0: the section says "no data")
    missing: dict[str, str]  # section key -> why it has no data


@cache
def vega_bundle(cache_dir: Path | None = None) -> str:
    """vega + vega-lite + vega-embed as one script: ~1 MB that vl-convert takes ~10 s of CPU to
    build, so it is built once per process and, with ``cache_dir``, once per installed version
    (the file is named after vl-convert's and Vega-Lite's versions and written atomically; a
    cache that cannot be written only costs the rebuild)."""
    import vl_convert

    vl_version = vl_version_for_vl_convert()
    cached = (
        cache_dir / f"vega-bundle-{vl_version}-vlc{vl_convert.__version__}.js"
        if cache_dir
        else None
    )
    if cached is not None and cached.is_file():
        return cached.read_text(encoding="utf-8")
    bundle = vl_convert.javascript_bundle(vl_version=vl_version)
    if cached is not None:
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            partial = cached.with_name(f".{cached.name}.{os.getpid()}")
            partial.write_text(bundle, encoding="utf-8")
            partial.replace(cached)
        except OSError as exc:
            log.warning("Vega bundle not cached (%s): the next process builds it again", exc)
    return bundle


def _script_json(value: object) -> str:
    """JSON safe inside <script>: no '</' can close the tag early."""
    return json.dumps(value, default=str).replace("</", "<\\/")


def render(
    con: duckdb.DuckDBPyConnection, *, name: str, cache_dir: Path | None = None
) -> RenderedReport:
    """The page for the open database ``con`` (a warehouse, or its BI snapshot) named ``name``;
    ``cache_dir`` keeps the script bundle between processes."""
    kind = queries.warehouse_kind(con)
    published = published_at(con)
    sample = kind == "sample"
    specs, drawn, missing, cards = {}, {}, {}, []
    for section in SECTIONS:
        data = section.query(con)
        if data.missing:
            missing[section.key] = data.missing
            drawn[section.key] = 0
            cards.append(_missing_card(section, data.missing))
            continue
        caption = [
            f"as of {data.asof} · source: {section.source}" + (" · SAMPLE DATA" if sample else "")
        ]
        specs[section.key] = section.draw(data, section.title, caption)
        drawn[section.key] = sum(len(frame) for frame in data.frames.values())
        cards.append(
            f'<section class="chart" id="{section.key}"><div class="vega"></div></section>'
        )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    origin = f"BI snapshot published {published:%Y-%m-%d %H:%M %Z}" if published else "warehouse"
    header = (
        f"<h1>smallcap-etl report: {html.escape(name)}</h1>"
        f'<p class="meta">generated {generated} from the {html.escape(origin)}; '
        f"data: {html.escape(kind or 'none loaded yet')}</p>"
    )
    banner = (
        '<div class="banner" role="alert">SAMPLE DATA: generated offline by the sample source, '
        "not market data. Run <code>smallcap run</code> without <code>--sample</code> for live "
        "data.</div>"
        if sample
        else ""
    )
    page = _PAGE.format(
        title=html.escape(f"smallcap report: {name}"),
        style=_STYLE,
        bundle=vega_bundle(cache_dir),
        header=header,
        banner=banner,
        cards="\n".join(cards),
        specs=_script_json(specs),
    )
    return RenderedReport(page, drawn, missing)


def _missing_card(section: Section, reason: str) -> str:
    return (
        f'<section class="chart missing" id="{section.key}"><h2>{html.escape(section.title)}</h2>'
        f'<p class="no-data">no data: {html.escape(reason)}</p></section>'
    )


def write(page: RenderedReport, out: Path) -> Path:
    """Write ``out`` atomically (temp file in the same folder, then rename)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(page.html, encoding="utf-8")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1040px; color: #222; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 16px; margin: 0 0 6px; }
.meta { color: #666; margin-top: 0; }
.banner { background: #fff3cd; border: 1px solid #e0b000; padding: 10px 14px; margin: 12px 0;
          font-weight: 600; }
.chart { border-top: 1px solid #ddd; padding: 16px 0; overflow-x: auto; }
.no-data { color: #8a6d3b; background: #fcf8e3; padding: 8px 12px; margin: 0; }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="data:,">
<style>{style}</style>
<script>{bundle}</script>
</head>
<body>
{header}
{banner}
{cards}
<script>
const specs = {specs};
const embedOptions = {{
  renderer: "svg", actions: {{export: true, source: false, compiled: false, editor: false}}
}};
window.smallcapViews = {{}};
window.smallcapReady = Promise.all(Object.entries(specs).map(([key, spec]) =>
  vegaEmbed("#" + key + " .vega", spec, embedOptions)
    .then((result) => {{ window.smallcapViews[key] = result.view; }})
    .catch((error) => console.error("chart " + key + ": " + error))
));
</script>
</body>
</html>
"""
