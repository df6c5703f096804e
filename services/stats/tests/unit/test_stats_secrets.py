"""Outside local mode, stats does not start with a pseudonym or record key published in this repository."""

import pytest
from pydantic import SecretStr

from leisure_runtime.settings import InsecureSettings
from stats.settings import StatsSettings

REAL_KEYS = {"holder_hash_key": SecretStr("h" * 40), "record_key_secret": SecretStr("r" * 40)}


@pytest.mark.parametrize("public_key", ["holder_hash_key", "record_key_secret"])
def test_a_public_stats_key_stops_the_start_in_production(public_key):
    keys = {name: value for name, value in REAL_KEYS.items() if name != public_key}
    settings = StatsSettings(service_name="stats", environment="production", jwt_secret="s" * 40, **keys)
    with pytest.raises(InsecureSettings, match=f"STATS_{public_key.upper()}"):
        settings.refuse_public_secrets()


def test_real_keys_start_in_production_and_public_ones_start_locally():
    StatsSettings(service_name="stats", environment="production", jwt_secret="s" * 40,
                  **REAL_KEYS).refuse_public_secrets()
    StatsSettings(service_name="stats", environment="local").refuse_public_secrets()
