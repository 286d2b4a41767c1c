"""What a batch changes in its core table, found without joining every row to the table.

A batch's rows are new (the table lacks the key), changed (a value column IS DISTINCT FROM the
stored one, NULL <-> value included) or unchanged. Per ticker (a dataset's first key column)
the batch splits at the ticker's watermark, its last stored date inside the batch's range:

- rows after the watermark are new by definition and are appended straight from the batch,
  each written once (a first load, a backfill, the daily run's new session);
- rows up to the watermark are compared as a whole with the stored rows of the same dates:
  same count and same sum of row hashes (key and value columns) means unchanged, and they are
  skipped (most of every overlap window and reconcile);
- only tickers whose overlap differs go through one left join on the key, which keeps their
  new and changed rows with the stored values beside them (``delta``): changed rows are
  recorded in audit.revisions and updated in place, new ones appended.

A changed overlap passes as unchanged only if the 64-bit row hashes collide (~2^-64 per
ticker and batch), the price of comparing aggregates instead of rows. Two aggregates over the
batch's tickers are much cheaper than a join: the re-load of unchanged rows costs a fraction
of a first load (benchmarks/README.md).

``staged`` in the SQL below is the Python variable of that name, a relation casting the batch's
frame to the table's types, which DuckDB finds in the calling function's locals (its
replacement scan) and scans per statement. It used to be a view over the frame registered on
the connection; a stream of batches loads in one transaction, and DuckDB keeps a catalog entry
replaced or dropped inside a transaction (and the frame it holds) until the commit, so memory
grew by one batch per batch: ~90 MB per 250 tickers x 10 years of prices, 1.1 GB of the large
benchmark's 7.5M rows.
"""

from dataclasses import dataclass

import duckdb
import pandas as pd

from contracts.datasets import Dataset
from contracts.errors import WarehouseError

_OLD = "stored_"  # prefix of the stored values carried beside a changed row in ``delta``


@dataclass(frozen=True)
class Staged:
    """What ``write`` has to do: update/append ``delta`` (differs), append past watermarks."""

    differs: bool
    appends: bool


def _quoted(columns: tuple[str, ...] | list[str], alias: str) -> str:
    return ", ".join(f'{alias}."{c}"' for c in columns)


def cast(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, types: dict[str, str], frame: pd.DataFrame
) -> duckdb.DuckDBPyRelation:
    """``frame``'s columns cast to the table's types: the ``staged`` of the functions below."""
    casts = ", ".join(f'cast("{c}" as {types[c]}) as "{c}"' for c in dataset.columns)
    return con.from_df(frame).query("incoming", f"select {casts} from incoming")


def stage(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: duckdb.DuckDBPyRelation
) -> Staged:
    """Classify the batch's tickers into temp table ``groups`` (watermark, unchanged overlap,
    rows after the watermark). When an overlap differs, temp table ``delta`` holds its new and
    changed rows."""
    first, day = dataset.key[0], dataset.date_column
    lo, hi = con.execute(f'select min("{day}"), max("{day}") from staged').fetchall()[0]
    hashed = (*dataset.key, *dataset.value_columns)
    # the watermark is the last stored date inside the ticker's batch range: stored rows
    # outside it cannot collide with the batch. The constant bounds prune the table scan.
    con.execute(
        f"""
        create or replace temp table groups as
        with ranges as (
            select "{first}", min("{day}") as lo, max("{day}") as hi, count(*) as rows
            from staged group by all
        ),
        stored as (
            select t."{first}", max(t."{day}") as watermark, count(*) as n,
                sum(hash({_quoted(hashed, "t")})) as h
            from {dataset.table} t join ranges r using ("{first}")
            where t."{day}" between $lo and $hi and t."{day}" between r.lo and r.hi
            group by all
        ),
        batch as (
            select s."{first}", count(*) as n, sum(hash({_quoted(hashed, "s")})) as h
            from staged s join stored w using ("{first}")
            where s."{day}" <= w.watermark
            group by all
        )
        select r."{first}", w.watermark,
            w.watermark is null or (b.n = w.n and b.h = w.h) as unchanged,
            r.rows - coalesce(b.n, 0) as after_watermark
        from ranges r left join stored w using ("{first}") left join batch b using ("{first}")
        """,
        {"lo": lo, "hi": hi},
    )
    differs, appends = con.execute(
        "select count(*) filter (where not unchanged), sum(after_watermark) from groups"
    ).fetchall()[0]
    if differs:
        _delta(con, dataset, staged)
    return Staged(differs=bool(differs), appends=bool(appends))


def _delta(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: duckdb.DuckDBPyRelation
) -> None:
    """New and changed rows of the overlaps that differ, beside the stored values."""
    first, day = dataset.key[0], dataset.date_column
    on = " and ".join(f's."{c}" = t."{c}"' for c in dataset.key)
    stored = ", ".join(f't."{c}" as "{_OLD}{c}"' for c in dataset.value_columns)
    changed = " or ".join(f's."{c}" is distinct from t."{c}"' for c in dataset.value_columns)
    con.execute(
        f"""
        create or replace temp table delta as
        with overlap as (
            select s.* from staged s join groups g using ("{first}")
            where not g.unchanged and s."{day}" <= g.watermark
        )
        select s.*, t."{first}" is null as is_new, {stored}
        from overlap s left join {dataset.table} t on {on}
        where t."{first}" is null or {changed}
        """
    )


def refuse_repeated_keys(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, staged: duckdb.DuckDBPyRelation
) -> None:
    """Two rows for one key would break the grain (or make an update ambiguous)."""
    keys = ", ".join(f'"{c}"' for c in dataset.key)
    repeated = con.execute(
        f"select {keys}, count(*) from staged group by all having count(*) > 1 limit 1"
    ).fetchall()
    if repeated:
        *key, copies = repeated[0]
        shown = ", ".join(f"{c}={v}" for c, v in zip(dataset.key, key, strict=True))
        raise WarehouseError(
            f"{dataset.name}: the batch holds {copies} rows for {shown}; one row per key "
            f"({', '.join(dataset.key)}) can load (validation quarantines repeated keys)"
        )


def record_revisions(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, numeric: list[str], run_id: str
) -> int:
    """One audit.revisions row per changed numeric value in ``delta``: old and new."""
    if not numeric:
        return 0
    key_cols = [c for c in dataset.key if c != dataset.date_column]
    key_expr = " || '/' || ".join(f'"{c}"' for c in key_cols)
    changes = ", ".join(
        f"{{'col': '{c}', 'old': cast(\"{_OLD}{c}\" as double), 'new': cast(\"{c}\" as double)}}"
        for c in numeric
    )
    inserted = con.execute(
        f"""
        insert into audit.revisions
        select ?, ?, key, date, ch.col, ch.old, ch.new, now()
        from (
            select {key_expr} as key, "{dataset.date_column}" as date,
                   unnest([{changes}]) as ch
            from delta
            where not is_new
        )
        where ch.old is distinct from ch.new
        """,
        [run_id, dataset.name],
    ).fetchall()
    return int(inserted[0][0]) if inserted else 0


def write(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    run_id: str,
    plan: Staged,
    staged: duckdb.DuckDBPyRelation,
) -> int:
    """Append the rows after each watermark, then update the changed rows and append the new
    ones of ``delta`` (as ``plan`` says); returns how many rows were written."""
    first, day = dataset.key[0], dataset.date_column
    names = ", ".join(f'"{c}"' for c in dataset.columns)
    params = {"run_id": run_id}
    append = (
        f"insert into {dataset.table} ({names}, run_id, loaded_at) select {names}, $run_id, now()"
    )
    written = 0
    if plan.appends:
        written += con.execute(
            f"""{append} from staged s join groups g using ("{first}")
                where g.watermark is null or s."{day}" > g.watermark""",
            params,
        ).fetchall()[0][0]
    if plan.differs:
        on = " and ".join(f't."{c}" = d."{c}"' for c in dataset.key)
        updates = ", ".join(f'"{c}" = d."{c}"' for c in (*dataset.value_columns, "source"))
        written += con.execute(
            f"""
            update {dataset.table} t set {updates}, run_id = $run_id, loaded_at = now()
            from delta d where not d.is_new and {on}
            """,
            params,
        ).fetchall()[0][0]
        written += con.execute(f"{append} from delta where is_new", params).fetchall()[0][0]
    return int(written)
