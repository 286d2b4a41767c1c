"""The code version recorded with every run, so a ledger row can be traced to a commit."""

import subprocess
from functools import lru_cache

from smallcap.settings import PROJECT_ROOT


@lru_cache(maxsize=1)
def code_version() -> str | None:
    """The git sha of the checkout (with '+dirty' for local changes), or None outside git."""
    try:
        sha = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha
