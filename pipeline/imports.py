"""Import a history file from another vendor as a run of its own (flow 'import').

Live users start with no history (Yahoo keeps no fundamentals history, and rates or prices may
be wanted from before the first run), so a file can be loaded through exactly the daily run's
path: the dataset's suite splits the rows (unreadable cells go to quarantine with their
reason), the loader merges on the key and records revisions, the ledger gets the run with the
file's name and checksum, then the marts are rebuilt and the BI snapshot published. Loading the
same file again changes no row. Readers per dataset live in ``sources.files``.
"""

import hashlib
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from contracts.datasets import DATASETS
from contracts.errors import ConfigError
from contracts.settings import Settings
from pipeline import steps
from pipeline.lifecycle import run_lifecycle
from pipeline.report import RunReport
from sources.extraction import Extraction
from sources.files import READERS, FileReader, FileRequest, ParsedFile
from warehouse.connection import warehouse
from warehouse.loader import claim_source_kind, source_kind
from warehouse.universe import sync_universe

log = logging.getLogger(__name__)

IMPORT_FLOW = "import"
SOURCE_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


def reader_for(dataset: str, keys: Mapping[str, str | None]) -> tuple[FileReader, str | None]:
    """The reader of ``dataset`` and the key given with its option (e.g. ``--ticker``); any
    other key option given is a mistake, not something to ignore."""
    reader = READERS.get(dataset)
    if reader is None:
        raise ConfigError(f"--dataset {dataset!r}: choose from {', '.join([*READERS, 'holdings'])}")
    for option, value in keys.items():
        if value and option != reader.key_option:
            raise ConfigError(
                f"{option} does not apply to --dataset {dataset} (use {reader.key_option})"
            )
    key = keys.get(reader.key_option)
    return reader, key.strip().upper() if key else None


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _outside_universe(parsed: ParsedFile, settings: Settings) -> list[str]:
    """Notes for keys no configured run follows: they load, but nothing keeps them current."""
    universe = settings.universe
    followed = {
        "prices": set(universe.tickers),
        "fundamentals": set(universe.funds),
        "rates": set(universe.fred_series),
    }
    notes = []
    for name, frame in parsed.frames.items():
        if name not in followed or frame.empty:
            continue
        stray = sorted(set(frame[DATASETS[name].key[0]]) - followed[name])
        if stray:
            notes.append(
                f"{', '.join(stray)} not in the universe file: loaded, but daily runs do not "
                f"update {name} for them"
            )
    return notes


def run_import(
    path: Path,
    dataset: str,
    request: FileRequest,
    *,
    settings: Settings,
    run_date: date,
    reader: FileReader | None = None,
) -> RunReport:
    """Read ``request.path`` as ``dataset``, validate and load it, rebuild the marts, publish.

    A file that cannot be read as the dataset raises before any run starts; rows that fail
    validation are quarantined; most rows failing fails the run and loads nothing."""
    if not SOURCE_NAME_RE.match(request.source_name):
        raise ConfigError(
            f"--source-name {request.source_name!r}: use lower-case letters, digits, '.', '_' "
            "or '-' (up to 40), e.g. bloomberg"
        )
    reader = reader or reader_for(dataset, {})[0]
    parsed = reader.read(request)
    kind = source_kind(request.source_name)
    report = RunReport(
        run_id=f"{IMPORT_FLOW}-{uuid.uuid4()}", source=kind, run_date=run_date, warehouse=str(path)
    )
    report.notes += parsed.notes + _outside_universe(parsed, settings)
    parameters = {
        "dataset": dataset,
        "file": str(request.path.resolve()),
        "sha256": _sha256(request.path),
        "layout": parsed.layout,
        "key": request.key,
        "source_name": request.source_name,
        "warehouse": str(path),
    }
    log.info("importing %s (%s) as %s into %s", request.path, parsed.layout, dataset, path)
    batches = [
        ImportBatch(
            name, Extraction(frames={name: frame}, keys_attempted=1), parsed.rejected.get(name)
        )
        for name, frame in parsed.frames.items()
    ]
    return import_run(
        path,
        report,
        parameters=parameters,
        batches=batches,
        validate_as_of=run_date,
        why="an import",
        settings=settings,
    )


@dataclass(frozen=True)
class ImportBatch:
    """One dataset of an imported file: its rows, and those the reader could not parse."""

    dataset: str
    extraction: Extraction
    rejected: pd.DataFrame | None = None


def import_run(
    path: Path,
    report: RunReport,
    *,
    parameters: Mapping[str, Any],
    batches: Sequence[ImportBatch],
    validate_as_of: date,
    why: str,
    settings: Settings,
) -> RunReport:
    """An import as a run of its own, whatever the file: the warehouse claimed for the report's
    source kind and the universe mirrored, then one ledger run that validates (as of
    ``validate_as_of``) and loads each batch and rebuilds the marts in full (``why``: an import
    can change any day)."""
    with warehouse(path, lock_timeout=settings.lock_timeout_seconds) as con:
        claim_source_kind(con, report.source)
        sync_universe(con, settings.universe)
    with run_lifecycle(
        path, report, flow=IMPORT_FLOW, parameters=parameters, settings=settings
    ) as run:
        with run.stage("validate_load"):
            for batch in batches:
                outcome = steps.validate(
                    batch.dataset,
                    batch.extraction,
                    run_date=validate_as_of,
                    settings=settings,
                    rejected=batch.rejected,
                )
                steps.load(
                    path,
                    batch.dataset,
                    outcome,
                    batch.extraction,
                    run_id=report.run_id,
                    report=report,
                    settings=settings,
                )
        with run.stage("transform"):
            steps.transform(path, report=report, settings=settings, full_refresh=why)
    return report
