"""The code version recorded with every run, so a ledger row can be traced to a commit."""

import subprocess
from functools import lru_cache

from contracts.settings import CODE_ROOT


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(CODE_ROOT), *args],
        capture_output=True,
        text=True,
        timeout=5,
        check=True,
    ).stdout.strip()


@lru_cache(maxsize=1)
def code_version() -> str | None:
    """The git sha of the checkout (with '+dirty' for local changes), or None outside git."""
    try:
        sha = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha
