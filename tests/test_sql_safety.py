"""No SQL is built from strings a user controls: a static check over every package.

Every f-string that reaches DuckDB (passed to ``execute``/``executemany``/``sql``, directly or
through local variables) and every f-string that starts like a SQL statement is taken apart;
each interpolated value is traced back through local assignments, loops and comprehensions to
where it comes from. It is closed when it ends in constants, module constants (``PRICES``,
``_ALIAS``) or the fields of a ``Dataset``/``Model`` (tables, keys and columns declared in code,
SQL model files in the repository). Anything else must be listed in ``REVIEWED`` with the reason
it cannot carry user text; a new interpolation fails here until someone has looked at it, and a
reviewed entry that no longer exists fails too, so the list stays true.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "contracts",
    "sources",
    "expectations",
    "warehouse",
    "transforms",
    "pipeline",
    "flows",
    "cli",
)
SQL_CALLS = frozenset({"execute", "executemany", "sql"})
SQL_START = re.compile(
    r"^\s*(select|insert|update|delete|create|drop|alter|attach|detach|copy|merge|with|checkpoint)\b",
    re.I,
)
CONSTANT = re.compile(r"^_?[A-Z][A-Z0-9_]*$")
# fields of Dataset (contracts.datasets) and of the models dbt builds: declared in code or read
# from the repository's SQL model files
CLOSED_FIELDS = frozenset(
    {"table", "name", "key", "columns", "value_columns", "date_column", "relation", "sql", "schema"}
)
CLOSED_TYPES = frozenset({"Dataset", "Model"})

# (module, function, expression) -> why it cannot carry user text
REVIEWED: dict[tuple[str, str, str], str] = {
    ("warehouse/mart_builds.py", "_config_fingerprint", "t"): (
        "a table name from the module constant CONFIG_SOURCES (the universe tables)"
    ),
    ("warehouse/mart_builds.py", "_config_fingerprint", "parts"): (
        "a union of selects over those constant table names"
    ),
    ("warehouse/restore.py", "_advance_quarantine_ids", "name"): (
        "quarantine table names read from duckdb_columns (the catalog), quoted"
    ),
    ("warehouse/restore.py", "_advance_quarantine_ids", "union"): (
        "a union of selects built from those catalog names"
    ),
    ("warehouse/restore.py", "_copy_tables", "columns"): (
        "column names read from duckdb_columns of both files, each quoted with quotes doubled"
    ),
    ("warehouse/restore.py", "_copy_tables", "literal"): (
        "the snapshot path, a checked warehouse path (contracts.inputs) with quotes doubled"
    ),
    ("warehouse/restore.py", "_copy_tables", "schema"): (
        "schema names from duckdb_tables, limited to RESTORED_SCHEMAS (a closed set)"
    ),
    ("warehouse/restore.py", "_copy_tables", "table"): (
        "table names from duckdb_tables of both files (the catalog), quoted"
    ),
    (
        "warehouse/changes.py",
        "record_revisions",
        "changes",
    ): "Dataset value column names (numeric ones, typed by information_schema)",
    ("warehouse/changes.py", "record_revisions", "key_expr"): "Dataset key column names",
    ("warehouse/changes.py", "refuse_repeated_keys", "keys"): "Dataset key column names",
    (
        "warehouse/changes.py",
        "stage",
        "_quoted(hashed, 's')",
    ): "Dataset key and value column names, double-quoted",
    (
        "warehouse/changes.py",
        "stage",
        "_quoted(hashed, 't')",
    ): "Dataset key and value column names, double-quoted",
    (
        "warehouse/changes.py",
        "cast",
        "casts",
    ): "Dataset columns, cast to the types information_schema gives for the Dataset table",
    (
        "warehouse/connection.py",
        "_create",
        "literal",
    ): "the warehouse file path, quotes doubled: a string literal, not SQL",
    (
        "warehouse/publish.py",
        "_attach",
        "literal",
    ): "the snapshot file path, quotes doubled: a string literal, not SQL",
    (
        "warehouse/publish.py",
        "_attach",
        "options",
    ): "empty, or the storage version checked against ^v\\d+\\.\\d+\\.\\d+$ in publish_snapshot",
    (
        "warehouse/publish.py",
        "_counts",
        "counts",
    ): "current_database() or the snapshot alias, and schema and relation names from the catalog",
    (
        "warehouse/publish.py",
        "_reshape_copy",
        "name",
    ): "table and view names from the catalog of the warehouse or its copy",
    (
        "warehouse/publish.py",
        "_reshape_copy",
        "quoted",
    ): "a column name from duckdb_columns(), quoted with its quotes doubled",
    (
        "warehouse/publish.py",
        "_reshape_copy",
        "schema",
    ): "schema names from the catalog of the warehouse or its copy",
    ("warehouse/publish.py", "_rewrite", "schema"): "schema names from duckdb_tables()",
    ("warehouse/publish.py", "_materialise", "db"): "current_database() of the connection",
    (
        "warehouse/publish.py",
        "_materialise",
        "name",
    ): "table and view names from duckdb_tables()/duckdb_views() of the published schemas",
    ("warehouse/publish.py", "_materialise", "schema"): "schema names from the same catalog",
    (
        "warehouse/publish.py",
        "_materialise",
        "select",
    ): "column names from duckdb_columns(), double-quoted and escaped in _select_list",
    (
        "cli/main.py",
        "sql",
        "query",
    ): "`smallcap sql` runs the user's own query, by design, on a read-only connection",
    (
        "transforms/build.py",
        "_model_results",
        "result.node.schema",
    ): "a dbt model's schema: the project's folder config (staging, intermediate, mart)",
    (
        "transforms/build.py",
        "_model_results",
        "result.node.alias",
    ): "a dbt model's name: a SQL model file name in the repository",
    (
        "warehouse/publish.py",
        "_copy_comments",
        "target",
    ): "schema and table names read from the warehouse's own catalog of published schemas",
    (
        "warehouse/publish.py",
        "_copy_comments",
        "quoted",
    ): "a column name from the warehouse's catalog, quoted with its quotes doubled",
    (
        "warehouse/publish.py",
        "_copy_comments",
        "_literal(comment)",
    ): "a column comment from our dbt docs, as a string literal with its quotes doubled",
    ("warehouse/checksums.py", "base_tables", "placeholders"): "'?' placeholders, one per schema",
    (
        "warehouse/checksums.py",
        "table_checksum",
        "expression",
    ): "_row_expression: column names read from information_schema for a table of the "
    "catalog, optionally narrowed to a caller's subset of those same names",
    (
        "warehouse/checksums.py",
        "table_checksum",
        "table",
    ): "a schema.table from base_tables(): the warehouse's own catalog, never user text",
    (
        "warehouse/export.py",
        "export_tables",
        "_COPY_OPTIONS[fmt]",
    ): "a value of the constant dict; any other fmt is refused at the top of the function",
    (
        "warehouse/export.py",
        "export_tables",
        "literal",
    ): "the output file path, quotes doubled: a string literal, not SQL",
    (
        "warehouse/export.py",
        "export_tables",
        "relation",
    ): "a table export_tables() first checked against the catalog (resolve_tables)",
    (
        "warehouse/loader.py",
        "_quarantine",
        "casts",
    ): "Dataset columns, cast to the types information_schema gives for its quarantine table",
    (
        "warehouse/migrations.py",
        "apply_migrations",
        "migration.sql",
    ): "the text of a migration file shipped in warehouse/migrations",
    (
        "warehouse/publish.py",
        "_write_snapshot",
        "storage_version",
    ): "checked against ^v\\d+\\.\\d+\\.\\d+$ in publish_snapshot before use",
    ("warehouse/quarantine.py", "purge", "table"): "table_for(ds): quarantine.<Dataset.name>",
    (
        "warehouse/quarantine.py",
        "purge",
        "where",
    ): "built by _where from constant conditions; the values are bound parameters",
    (
        "warehouse/quarantine.py",
        "rows",
        "table_for(ds)",
    ): "quarantine.<Dataset.name>: the closed set of quarantine tables",
    (
        "warehouse/quarantine.py",
        "selected",
        "table_for(dataset)",
    ): "quarantine.<Dataset.name>: the closed set of quarantine tables",
    (
        "warehouse/quarantine.py",
        "selected",
        "where",
    ): "built by _where from constant conditions; the values are bound parameters",
    ("warehouse/quarantine.py", "settle", "table"): "table_for(dataset): quarantine.<Dataset.name>",
    (
        "warehouse/quarantine.py",
        "summary",
        "table_for(ds)",
    ): "quarantine.<Dataset.name>: the closed set of quarantine tables",
}


@dataclass(frozen=True)
class Scope:
    module: str
    function: str
    node: ast.AST  # the function (or module) whose assignments a name can come from


def _functions(tree: ast.Module) -> list[Scope]:
    return [Scope("", "<module>", tree)] + [
        Scope("", node.name, node)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    """Nodes of ``scope`` that are not inside a nested function (those are scopes of their own)."""
    found, stack = [], list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            stack.extend(ast.iter_child_nodes(node))
    return found


def _origins(name: str, scope: ast.AST) -> list[ast.AST] | None:
    """What ``name`` is assigned from inside ``scope``; None for a closed parameter, [] when
    nothing assigns it (an untyped parameter or a global)."""
    if isinstance(scope, ast.FunctionDef | ast.AsyncFunctionDef):
        for arg in [*scope.args.args, *scope.args.kwonlyargs]:
            annotation = ast.unparse(arg.annotation) if arg.annotation else ""
            if arg.arg == name and annotation in CLOSED_TYPES:
                return None
    origins: list[ast.AST] = []
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names = [t for t in ast.walk(target) if isinstance(t, ast.Name)]
                if any(t.id == name for t in names):
                    origins.append(node.value)
        elif isinstance(node, ast.For | ast.comprehension) and any(
            isinstance(t, ast.Name) and t.id == name for t in ast.walk(node.target)
        ):
            origins.append(node.iter)
    return origins


def _open_leaves(expr: ast.AST, scope: ast.AST, seen: frozenset[str] = frozenset()) -> list[str]:
    """The parts of ``expr`` that could not be traced to a closed source (as source text)."""
    match expr:
        case ast.Constant():
            return []
        case ast.JoinedStr(values=values):
            return [leaf for v in values for leaf in _open_leaves(v, scope, seen)]
        case ast.FormattedValue(value=value):
            return _open_leaves(value, scope, seen)
        case ast.Name(id=name) if CONSTANT.match(name):
            return []
        case ast.Name(id=name):
            if name in seen:
                return []
            origins = _origins(name, scope)
            if origins is None:
                return []
            if not origins:
                return [name]
            leaves = [leaf for o in origins for leaf in _open_leaves(o, scope, seen | {name})]
            return [name] if leaves else []
        case ast.Attribute(value=base, attr=attr) if attr in CLOSED_FIELDS:
            return [] if not _open_leaves(base, scope, seen) else [ast.unparse(expr)]
        case ast.Call(func=ast.Attribute(value=base, attr="values" | "items" | "keys"), args=[]):
            return _open_leaves(base, scope, seen)
        case ast.Subscript(value=base, slice=index):
            closed = not _open_leaves(base, scope, seen) and not _open_leaves(index, scope, seen)
            return [] if closed else [ast.unparse(expr)]
        case ast.Call(func=ast.Attribute(value=ast.Constant(value=str()), attr="join"), args=args):
            return [leaf for a in args for leaf in _open_leaves(a, scope, seen)]
        case ast.Call(func=ast.Name(id="str" | "sorted" | "list" | "tuple"), args=args):
            return [leaf for a in args for leaf in _open_leaves(a, scope, seen)]
        case ast.GeneratorExp(elt=elt) | ast.ListComp(elt=elt) | ast.SetComp(elt=elt):
            iters = [g.iter for g in expr.generators]
            parts = [elt, *iters]
            return [leaf for p in parts for leaf in _open_leaves(p, scope, seen)]
        case ast.Tuple(elts=elts) | ast.List(elts=elts):
            return [leaf for e in elts for leaf in _open_leaves(e, scope, seen)]
        case ast.Starred(value=value):
            return _open_leaves(value, scope, seen)
        case ast.IfExp(body=body, orelse=orelse):
            return _open_leaves(body, scope, seen) + _open_leaves(orelse, scope, seen)
        case ast.BinOp(left=left, op=ast.Add(), right=right):
            return _open_leaves(left, scope, seen) + _open_leaves(right, scope, seen)
    return [ast.unparse(expr)]


def _sql_strings(scope: ast.AST) -> list[ast.AST]:
    """What ``scope`` hands DuckDB as SQL, and its f-strings that start like a statement."""
    found = []
    for node in _own_nodes(scope):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr in SQL_CALLS and node.args:
            found.append(node.args[0])
        if isinstance(node, ast.JoinedStr):
            first = node.values[0] if node.values else None
            if isinstance(first, ast.Constant) and SQL_START.match(str(first.value)):
                found.append(node)
    return found


def _interpolations() -> set[tuple[str, str, str]]:
    found = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text())
            module = str(path.relative_to(ROOT))
            for scope in _functions(tree):
                for sql in _sql_strings(scope.node):
                    for leaf in _open_leaves(sql, scope.node):
                        found.add((module, scope.function, leaf))
    return found


def test_sql_interpolates_only_closed_sets_or_reviewed_values() -> None:
    found = _interpolations()

    unreviewed = sorted(found - REVIEWED.keys())
    stale = sorted(REVIEWED.keys() - found)

    assert unreviewed == [], "review these SQL interpolations (see REVIEWED)"
    assert stale == [], "these reviewed interpolations no longer exist: drop them"


def test_the_check_catches_a_user_string_in_sql() -> None:
    """The tracer itself: a value from a parameter, however it is wrapped, stays open."""
    source = """
def load(con, ticker: str, dataset: Dataset):
    table = dataset.table
    where = f"ticker = '{ticker}'"
    con.execute(f"select * from {table} where {where}")
    con.execute("select * from core.prices_daily where ticker = '%s'" % ticker)
    con.execute("select 1 from {}".format(ticker))
"""
    scope = _functions(ast.parse(source))[1].node

    leaves = {leaf for sql in _sql_strings(scope) for leaf in _open_leaves(sql, scope)}

    assert leaves == {
        "where",
        "\"select * from core.prices_daily where ticker = '%s'\" % ticker",
        "'select 1 from {}'.format(ticker)",
    }
