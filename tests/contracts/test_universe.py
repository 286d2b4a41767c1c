from pathlib import Path

import pytest

from contracts.errors import ConfigError
from contracts.settings import DEFAULT_UNIVERSE, get_settings
from contracts.universe import load_universe

VALID = """
[baskets]
small = ["IWM"]
large = ["SPY"]
index = ["^RUT"]
pairs = [["IWM", "SPY"]]
[fred]
series = ["DFF", "BAMLH0A0HYM2"]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "universe.toml"
    path.write_text(text)
    return path


def test_default_universe_is_the_documented_one():
    universe = load_universe(DEFAULT_UNIVERSE)

    assert universe.small == ["IWM", "IJR", "DES", "VB"]
    assert universe.large == ["SPY", "IVV", "QQQ"]
    assert universe.index == ["^RUT", "^GSPC", "^SP600"]
    assert universe.pairs == [("IWM", "SPY"), ("IJR", "IVV"), ("DES", "SPY")]
    assert universe.index_pairs == [("^RUT", "^GSPC"), ("^SP600", "^GSPC")]
    assert {"DFEDTAR", "DFEDTARU"} <= set(universe.fred_series)


def test_index_pairs_must_name_indexes(tmp_path):
    text = VALID.replace(
        'pairs = [["IWM", "SPY"]]', 'pairs = [["IWM", "SPY"]]\nindex_pairs = [["^RUT", "SPY"]]'
    )

    with pytest.raises(
        ConfigError, match=r"index pair \[\^RUT, SPY\]: 'SPY' is not in baskets.index"
    ):
        load_universe(_write(tmp_path, text))


def test_funds_exclude_indexes_and_tickers_keep_basket_order(tmp_path):
    universe = load_universe(_write(tmp_path, VALID))

    assert universe.tickers == ["IWM", "SPY", "^RUT"]
    assert universe.funds == ["IWM", "SPY"]


@pytest.mark.parametrize(
    ("old", "new", "named"),
    [
        ('small = ["IWM"]', 'small = ["iwm"]', "'iwm'"),
        ('large = ["SPY"]', 'large = ["SPY; DROP TABLE"]', "'SPY; DROP TABLE'"),
        ('series = ["DFF", "BAMLH0A0HYM2"]', 'series = ["dff"]', "'dff'"),
        ('pairs = [["IWM", "SPY"]]', 'pairs = [["IWM", "QQQ"]]', "'QQQ' is not in baskets.large"),
    ],
)
def test_invalid_entry_fails_at_start_naming_it(tmp_path, old, new, named):
    path = _write(tmp_path, VALID.replace(old, new))

    with pytest.raises(ConfigError, match="universe file") as error:
        load_universe(path)

    assert named in str(error.value)


def test_missing_universe_file_names_the_setting(tmp_path):
    with pytest.raises(ConfigError, match="SMALLCAP_UNIVERSE"):
        load_universe(tmp_path / "nope.toml")


def test_settings_read_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SMALLCAP_UNIVERSE", str(_write(tmp_path, VALID)))
    monkeypatch.setenv("SMALLCAP_WAREHOUSE", str(tmp_path / "w.duckdb"))
    monkeypatch.setenv("FRED_API_KEY", "k-123")

    settings = get_settings()

    assert settings.universe.small == ["IWM"]
    assert settings.warehouse_for("sample") == tmp_path / "w.duckdb"
    assert settings.fred_api_key.get_secret_value() == "k-123"
    assert "k-123" not in repr(settings)


def test_default_warehouse_depends_on_the_source(monkeypatch):
    monkeypatch.delenv("SMALLCAP_WAREHOUSE", raising=False)
    settings = get_settings()

    assert settings.warehouse_for("sample").name == "sample.duckdb"
    assert settings.warehouse_for("live").name == "market.duckdb"


def test_a_bad_setting_names_its_variable_and_not_its_value(monkeypatch):
    monkeypatch.setenv("SMALLCAP_HISTORY_YEARS", "three")

    with pytest.raises(ConfigError, match="SMALLCAP_HISTORY_YEARS") as error:
        get_settings()

    assert "three" not in str(error.value)
