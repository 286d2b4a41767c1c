"""What a run did, in one object: the CLI prints it, the flow publishes it, the ledger stores it."""

from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from contracts.errors import SmallcapError
from sources.extraction import KeyFailure


@dataclass
class DatasetReport:
    dataset: str
    rows_extracted: int = 0
    rows_loaded: int = 0
    rows_changed: int = 0
    rows_quarantined: int = 0
    revisions: int = 0
    keys_failed: int = 0
    error: str | None = None
    error_class: str | None = None
    # what the run report says about the dataset's bad input: rows per quarantine reason, and
    # each failed key with its error
    quarantine_reasons: dict[str, int] = field(default_factory=dict)
    failed_keys: list[KeyFailure] = field(default_factory=list)

    def fail(self, exc: BaseException) -> None:
        """The whole dataset failed (breaker tripped, key missing, warehouse refused)."""
        self.error = str(exc)
        self.error_class = type(exc).__name__


@dataclass
class RunReport:
    run_id: str
    source: str
    run_date: date
    warehouse: str
    datasets: dict[str, DatasetReport] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    publish_error: str | None = None
    latest_discounts: list[tuple[str, str, date, float, float | None]] = field(default_factory=list)
    # latest look-through per fund (warehouse.status.latest_lookthrough): its coverage, and
    # in ``note`` why aggregates are NULL
    lookthrough: list[dict[str, Any]] = field(default_factory=list)
    # GX's ExpectationSuiteValidationResult of each validated batch, for the Data Docs step
    validation_results: list[Any] = field(default_factory=list, repr=False, compare=False)
    data_docs: str | None = None  # index.html of the Data Docs site holding this run
    html_report: str | None = None  # the HTML report written from this run's BI snapshot
    marts: str | None = None  # how the marts were built: a full refresh (why) or from which day

    def dataset(self, name: str) -> DatasetReport:
        return self.datasets.setdefault(name, DatasetReport(name))

    def dataset_failures(self) -> list[KeyFailure]:
        """Whole-dataset failures as ledger rows; '*' stands for every key."""
        return [
            KeyFailure(d.dataset, "*", d.error_class or "Error", d.error)
            for d in self.datasets.values()
            if d.error
        ]

    @property
    def errors(self) -> list[str]:
        """One line per failed dataset, named once (source errors often start with it)."""
        return [
            d.error if d.error.startswith(f"{d.dataset}:") else f"{d.dataset}: {d.error}"
            for d in self.datasets.values()
            if d.error
        ]

    def summary(self) -> str | None:
        """The ledger's message for this run: every error, then every note."""
        return "; ".join(self.errors + self.notes) or None

    @property
    def status(self) -> str:
        """failed: a whole dataset could not load; partial: some keys failed, or the data loaded
        but the BI snapshot could not be published; else success."""
        if self.errors:
            return "failed"
        if any(d.keys_failed for d in self.datasets.values()) or self.publish_error:
            return "partial"
        return "success"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data for ``--json`` (GX validation objects left out)."""
        return {
            "run_id": self.run_id,
            "source": self.source,
            "run_date": self.run_date.isoformat(),
            "warehouse": self.warehouse,
            "status": self.status,
            "datasets": {name: asdict(entry) for name, entry in self.datasets.items()},
            "latest_discounts": [
                {"pair": f"{s}/{lg}", "date": str(d), "discount": disc, "zscore_252d": z}
                for s, lg, d, disc, z in self.latest_discounts
            ],
            "notes": list(self.notes),
            "errors": self.errors,
            "publish_error": self.publish_error,
            "data_docs": self.data_docs,
            "html_report": self.html_report,
            "marts": self.marts,
        }

    def to_markdown(self) -> str:
        lines = [
            f"# smallcap run {self.run_date} ({self.source}): {self.status}",
            "",
            f"Warehouse: `{self.warehouse}`; run id `{self.run_id}`",
            "",
        ]
        if self.html_report:
            lines += [f"Report: {Path(self.html_report).absolute().as_uri()}", ""]
        if self.data_docs:
            lines += [f"Data Docs: {Path(self.data_docs).absolute().as_uri()}", ""]
        lines += [
            "| dataset | extracted | loaded | changed | quarantined | revisions | keys failed |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {d.dataset} | {d.rows_extracted} | {d.rows_loaded} | {d.rows_changed} "
            f"| {d.rows_quarantined} | {d.revisions} | {d.keys_failed} |"
            for d in self.datasets.values()
        ]
        if self.latest_discounts:
            lines += ["", "| pair | date | P/E discount | z-score (252d) |", "|---|---|---:|---:|"]
            lines += [
                f"| {s}/{lg} | {d} | {disc:.1%} | {'' if z is None else f'{z:.2f}'} |"
                for s, lg, d, disc, z in self.latest_discounts
            ]
        if self.lookthrough:
            lines += [
                "",
                "| fund | date | stocks | unmapped | unquoted | coverage | forward P/E | note |",
                "|---|---|---:|---:|---:|---:|---:|---|",
            ]
            lines += [
                f"| {f['fund']} | {f['date']} | {f['constituents']} | {f['unmapped']} "
                f"| {f['unquoted']} | {f['coverage_weight']:.1%} "
                f"| {_one_decimal(f['forward_pe'])} "
                f"| {f['note'] or ''} |"
                for f in self.lookthrough
            ]
        if self.marts:
            lines += ["", self.marts]
        lines += [f"- {note}" for note in self.notes]
        lines += [f"- **error** {error}" for error in self.errors]
        lines += [f"- {line}" for line in self.bad_input()]
        return "\n".join(lines)

    def bad_input(self) -> list[str]:
        """One line per quarantine reason and per failed key, dataset by dataset."""
        return [
            *(
                f"quarantined {count} {d.dataset} row(s): {reason}"
                for d in self.datasets.values()
                for reason, count in sorted(d.quarantine_reasons.items())
            ),
            *(
                f"failed {d.dataset} key {f.key} ({f.error_class}): {f.message}"
                for d in self.datasets.values()
                for f in d.failed_keys
            ),
        ]


def _one_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


class RunFailed(SmallcapError):
    """A dataset could not load; the report says which and why."""

    def __init__(self, report: RunReport) -> None:
        super().__init__("; ".join(report.errors))
        self.report = report
