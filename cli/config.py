"""`smallcap config`: the effective settings and where each came from, secrets masked."""

from pydantic import SecretStr

from cli.common import JsonOpt, WarehouseOpt, fail, print_json, print_table
from contracts.errors import SmallcapError
from contracts.settings import ENV_FILE, get_settings, setting_origins, variable_of

MASK = "********"


def _shown(value: object) -> str | None:
    """Secrets never leave as text: a set one shows as a mask, an unset one as nothing."""
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else None
    return None if value is None else str(value)


def config(as_json: JsonOpt = False, warehouse: WarehouseOpt = None) -> None:
    """Effective settings, each with its variable and origin: flag, environment, .env, default."""
    overrides = {"warehouse": warehouse}
    try:
        settings = get_settings(**overrides)
    except SmallcapError as exc:
        fail(str(exc))
    origins = setting_origins(**overrides)
    rows = [
        {
            "setting": field,
            "variable": variable_of(field),
            "value": _shown(getattr(settings, field)),
            "origin": origins[field],
        }
        for field in type(settings).model_fields
    ]
    if as_json:
        print_json(
            {"env_file": str(ENV_FILE), "env_file_exists": ENV_FILE.exists(), "settings": rows}
        )
        return
    found = "" if ENV_FILE.exists() else " (not present)"
    print_table(
        f"effective settings (.env: {ENV_FILE}{found})",
        ["variable", "value", "origin"],
        [(r["variable"], r["value"], r["origin"]) for r in rows],
    )
