"""Every query the HTML report runs, in one place: each chart's data, or why it has none.

A chart reads its mart when the mart exists and has rows; marts other issues add (forward P/E,
pair returns after cuts, relative returns, policy path, holdings) are used when present, and
today's marts or core tables stand in where that is sensible. Relation and column names come
from the catalog or from this module, never from user input.
"""

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

_NUMERIC = ("DOUBLE", "FLOAT", "REAL", "DECIMAL", "BIGINT", "INTEGER", "SMALLINT", "HUGEINT")


@dataclass
class ChartData:
    """A chart's frames (``main`` plus named extras), or the one-line reason it has none."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    missing: str | None = None
    variant: str = ""
    asof: date | None = None

    @property
    def main(self) -> pd.DataFrame:
        return self.frames["main"]


def _missing(reason: str) -> ChartData:
    return ChartData(missing=reason)


def columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of ``schema.name`` in the open database; {} when absent."""
    schema, name = relation.split(".")
    rows = con.execute(
        """select column_name, data_type from duckdb_columns()
           where database_name = current_database() and schema_name = ? and table_name = ?
           order by column_index""",
        [schema, name],
    ).fetchall()
    return dict(rows)


def has_rows(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    return bool(columns(con, relation)) and bool(
        con.execute(f"select exists (select 1 from {relation})").fetchall()[0][0]
    )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _asof(frame: pd.DataFrame, column: str) -> date | None:
    return None if frame.empty else pd.Timestamp(frame[column].max()).date()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def warehouse_kind(con: duckdb.DuckDBPyConnection) -> str | None:
    """'sample' or 'live' as recorded by the first load, else None (an empty warehouse)."""
    if not columns(con, "audit.warehouse_info"):
        return None
    rows = con.execute(
        "select value from audit.warehouse_info where name = 'source_kind'"
    ).fetchall()
    return rows[0][0] if rows else None


def pe_discount(con: duckdb.DuckDBPyConnection) -> ChartData:
    """Per pair and measure (trailing, forward when the mart has it) the discount with the
    rolling 252-snapshot mean and 1 and 2 standard-deviation bands: the z-score's own window."""
    found = columns(con, "mart.pe_spread_daily")
    if not has_rows(con, "mart.pe_spread_daily"):
        return _missing(
            "mart.pe_spread_daily is empty: run `smallcap run` (fund fundamentals from Yahoo)"
        )
    measures = ["discount_pct as trailing"]
    if "forward_discount_pct" in found:
        measures.append("forward_discount_pct as forward")
    frame = _frame(
        con,
        f"""with spread as (
                select date, small_ticker || ' vs ' || large_ticker as pair, {", ".join(measures)}
                from mart.pe_spread_daily
            ),
            long as (
                unpivot spread on columns(* exclude (date, pair))
                into name measure value discount
            ),
            stats as (
                select
                    *,
                    avg(discount) over w as mean,
                    stddev_samp(discount) over w as sd,
                    count(discount) over w as obs
                from long
                window w as (
                    partition by pair, measure order by date
                    rows between 251 preceding and current row
                )
            )
            select
                date, pair, measure, discount,
                case when obs >= 20 then mean end as mean,
                case when obs >= 20 then mean - 2 * sd end as band2_lo,
                case when obs >= 20 then mean - sd end as band1_lo,
                case when obs >= 20 then mean + sd end as band1_hi,
                case when obs >= 20 then mean + 2 * sd end as band2_hi
            from stats
            where discount is not null
            order by pair, measure, date""",
    )
    variant = "trailing and forward" if "forward_discount_pct" in found else "trailing"
    return ChartData({"main": frame}, variant=variant, asof=_asof(frame, "date"))


def _flow_quality_sql(flow_columns: dict[str, str]) -> str:
    """Per fund and day a quality label: the mart's own when it has one, else derived the
    same way (a first snapshot, or AUM unchanged while the NAV moved: a stale AUM)."""
    if "flow_quality" in flow_columns:
        return "select date, ticker, basket, flow_quality from mart.etf_flows_daily"
    return """select
            date, ticker, basket,
            case
                when lag(aum) over w is null then 'first'
                when aum = lag(aum) over w and nav_price <> lag(nav_price) over w then 'stale_aum'
                else 'ok'
            end as flow_quality
        from mart.etf_flows_daily
        window w as (partition by ticker order by date)"""


def flows(con: duckdb.DuckDBPyConnection) -> ChartData:
    """Small and large basket flows and the rotation between them (% of basket AUM, summed over
    20 sessions: daily estimates are noise), with the days on which any contributing fund's
    flow estimate is of low quality."""
    if not has_rows(con, "mart.size_rotation_daily"):
        return _missing(
            "mart.size_rotation_daily is empty: run `smallcap run` (fund AUM and NAV from Yahoo)"
        )
    quality = _flow_quality_sql(columns(con, "mart.etf_flows_daily"))
    frame = _frame(
        con,
        f"""with quality as ({quality}),
            low as (
                select date, string_agg(distinct ticker || ': ' || flow_quality, ', ') as issues
                from quality
                where basket in ('small', 'large') and flow_quality <> 'ok'
                group by date
            ),
            rolling as (
                select
                    date,
                    sum(small_flow_pct_aum) over last_20 as "small basket",
                    sum(large_flow_pct_aum) over last_20 as "large basket",
                    sum(rotation_pct_aum) over last_20 as "rotation (small - large)"
                from mart.size_rotation_daily
                window last_20 as (order by date rows between 19 preceding and current row)
            ),
            series as (
                unpivot rolling on columns(* exclude (date)) into name series value pct_aum
            )
            select series.date, series.series, series.pct_aum, low.issues
            from series left join low using (date)
            where series.pct_aum is not null
            order by series.series, series.date""",
    )
    return ChartData({"main": frame}, asof=_asof(frame, "date"))


def _cycles(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pd.DataFrame:
    """Easing cycles overlapping [first, last]; a one-cut cycle is shaded for a month."""
    if not has_rows(con, "mart.rate_cut_cycles"):
        return pd.DataFrame(columns=["cycle_start", "cycle_end", "cuts"])
    return _frame(
        con,
        """select
               greatest(cycle_start, $first) as cycle_start,
               least(greatest(last_cut, cycle_start + interval 30 day), $last) as cycle_end,
               cuts
           from mart.rate_cut_cycles
           where cycle_start <= $last and last_cut >= $first
           order by cycle_start""",
        {"first": first, "last": last},  # type: ignore[arg-type]
    )


def relative_performance(con: duckdb.DuckDBPyConnection) -> ChartData:
    """Small minus large returns per pair (mart.relative_returns_daily when built), else the
    small/large total-return ratio per pair from adj_close, rebased to 100 on the first day."""
    found = columns(con, "mart.relative_returns_daily")
    if has_rows(con, "mart.relative_returns_daily") and "pair" in found:
        horizons = [c for c, t in found.items() if c not in ("date", "pair") and t in _NUMERIC]
        select = ", ".join(f"cast({_quoted(c)} as double) as {_quoted(c)}" for c in horizons)
        frame = _frame(
            con,
            f"""unpivot (select date, cast(pair as varchar) as pair, {select}
                         from mart.relative_returns_daily)
                on columns(* exclude (date, pair)) into name horizon value value
                order by pair, horizon, date""",
        ).dropna(subset=["value"])
        variant = "mart"
    elif has_rows(con, "core.prices_daily") and has_rows(con, "core.spread_pairs"):
        frame = _frame(
            con,
            """with prices as (
                   select ticker, date, adj_close from core.prices_daily where adj_close > 0
               ),
               joined as (
                   select
                       small.date,
                       pairs.small_ticker || ' vs ' || pairs.large_ticker as pair,
                       small.adj_close / large.adj_close as ratio
                   from core.spread_pairs as pairs
                   inner join prices as small on small.ticker = pairs.small_ticker
                   inner join prices as large
                       on large.ticker = pairs.large_ticker and large.date = small.date
               )
               select
                   date, pair, 'total return ratio' as horizon,
                   100 * ratio / first_value(ratio) over (partition by pair order by date)
                       as value
               from joined
               order by pair, date""",
        )
        variant = "ratio"
    else:
        return _missing("core.prices_daily is empty: run `smallcap run` (prices from Yahoo)")
    if frame.empty:
        return _missing("no pair has prices of both its funds on the same days")
    first, last = frame["date"].min().date(), frame["date"].max().date()
    cycles = _cycles(con, first, last)
    return ChartData({"main": frame, "cycles": cycles}, variant=variant, asof=last)


def returns_after_cuts(con: duckdb.DuckDBPyConnection) -> ChartData:
    """Small minus large return per pair, horizon and easing cycle (mart.pair_returns_after_cuts
    when built; else the basket-level mart); the chart summarises over cycles."""
    if has_rows(con, "mart.pair_returns_after_cuts"):
        source = """select
                cycle_start,
                small_ticker || ' vs ' || large_ticker as pair,
                horizon_sessions as horizon,
                small_minus_large
            from mart.pair_returns_after_cuts"""
        variant = "pairs"
    elif has_rows(con, "mart.size_returns_after_cuts"):
        source = """select
                cycle_start,
                'small vs large basket' as pair,
                horizon_days as horizon,
                small_minus_large
            from mart.size_returns_after_cuts"""
        variant = "baskets"
    else:
        return _missing(
            "no easing cycle with prices around it: mart.size_returns_after_cuts is empty "
            "(needs FRED DFEDTARU and prices; `smallcap backfill` loads older cycles)"
        )
    frame = _frame(
        con,
        f"""with per_cycle as ({source})
            select * from per_cycle
            where small_minus_large is not null
            order by pair, horizon, cycle_start""",
    )
    if frame.empty:
        return _missing("no easing cycle has reached even its first horizon yet")
    # the returns run up to the latest price, not to the latest cycle's start
    latest = con.execute("select max(date) from core.prices_daily").fetchall()[0][0]
    return ChartData({"main": frame}, variant=variant, asof=latest)


def policy_path(con: duckdb.DuckDBPyConnection) -> ChartData:
    """The latest market-implied policy rate per futures contract month, and the target."""
    if not has_rows(con, "mart.implied_policy_path"):
        return _missing(
            "mart.implied_policy_path is absent or empty: it needs Fed funds futures quotes "
            "loaded by a daily run"
        )
    frame = _frame(
        con,
        """select
               asof_date,
               cast(contract_month as varchar) as contract_month,
               implied_rate,
               target_mid,
               implied_change_bp,
               cuts_priced
           from mart.implied_policy_path
           where asof_date = (select max(asof_date) from mart.implied_policy_path)
           order by contract_month""",
    )
    return ChartData({"main": frame}, asof=_asof(frame, "asof_date"))


def latest_per_fund(con: duckdb.DuckDBPyConnection, relation: str, what: str) -> ChartData:
    """Every numeric column of ``relation`` on each fund's latest date, as (fund, metric,
    value): the holdings marts' metrics, whatever their number, on one chart."""
    found = columns(con, relation)
    if not has_rows(con, relation):
        return _missing(f"{relation} is absent or empty: {what} needs issuer holdings files loaded")
    metrics = [c for c, t in found.items() if t in _NUMERIC or t.startswith("DECIMAL")]
    select = ", ".join(f"cast({_quoted(c)} as double) as {_quoted(c)}" for c in metrics)
    frame = _frame(
        con,
        f"""with latest as (
                select cast(fund as varchar) as fund, asof_date, {select}
                from {relation}
                qualify asof_date = max(asof_date) over (partition by fund)
            )
            unpivot latest on columns(* exclude (fund, asof_date)) into name metric value value
            order by metric, fund""",
    ).dropna(subset=["value"])
    if frame.empty:
        return _missing(f"{relation} has no numeric values on its latest date")
    return ChartData({"main": frame}, asof=_asof(frame, "asof_date"))
