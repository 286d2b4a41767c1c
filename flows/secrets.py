"""The FRED key from the environment or a Prefect Secret block; never a flow parameter."""

from pydantic import SecretStr

from contracts.settings import Settings


def fred_api_key(settings: Settings) -> SecretStr | None:
    if settings.fred_api_key is not None:
        return settings.fred_api_key
    if settings.fred_secret_block:
        from prefect.blocks.system import Secret

        return SecretStr(str(Secret.load(settings.fred_secret_block).get()))
    return None
