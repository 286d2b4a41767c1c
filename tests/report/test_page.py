"""The page's script bundle: vl-convert takes ~10 s of CPU to build it, so it is kept in the
report cache between processes, named after the versions that built it."""

import logging
from pathlib import Path

import vl_convert
from altair.utils._importers import vl_version_for_vl_convert

from report.page import render
from warehouse.connection import warehouse


def _bundle_file(folder: Path) -> Path:
    return folder / f"vega-bundle-{vl_version_for_vl_convert()}-vlc{vl_convert.__version__}.js"


def test_a_cached_bundle_is_what_the_page_embeds(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    _bundle_file(cache).write_text("/* bundle kept by an earlier process */")

    with warehouse(tmp_path / "w.duckdb") as con:
        page = render(con, name="w", cache_dir=cache)

    assert "/* bundle kept by an earlier process */" in page.html


def test_the_first_render_writes_the_bundle_whole_and_an_unwritable_cache_only_warns(
    tmp_path: Path, caplog
) -> None:
    cache, blocked = tmp_path / "cache", tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")

    with warehouse(tmp_path / "w.duckdb") as con, caplog.at_level(logging.WARNING):
        written = render(con, name="w", cache_dir=cache)
        unwritable = render(con, name="w", cache_dir=blocked / "cache")

    kept = _bundle_file(cache).read_text()
    assert len(kept) > 100_000 and kept in written.html
    assert [p.name for p in cache.iterdir()] == [_bundle_file(cache).name]  # no partial file
    assert kept in unwritable.html
    assert "Vega bundle not cached" in caplog.text
