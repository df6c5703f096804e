"""Outside local mode, stats does not start with a pseudonym key published in this repository."""

import pytest
from pydantic import SecretStr

from leisure_runtime.settings import InsecureSettings
from stats.settings import StatsSettings


def test_the_public_holder_hash_key_stops_the_start_in_production():
    public = StatsSettings(service_name="stats", environment="production", jwt_secret="s" * 40)
    with pytest.raises(InsecureSettings, match="value of STATS_HOLDER_HASH_KEY: "):
        public.refuse_public_secrets()
    StatsSettings(service_name="stats", environment="production", jwt_secret="s" * 40,
                  holder_hash_key=SecretStr("h" * 40)).refuse_public_secrets()
    StatsSettings(service_name="stats", environment="local").refuse_public_secrets()
