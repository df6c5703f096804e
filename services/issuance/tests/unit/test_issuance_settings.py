"""Outside local mode, issuance does not start with a secret published in this repository."""

import pytest
from pydantic import SecretStr

from issuance.settings import IssuanceSettings
from leisure_runtime.settings import InsecureSettings

REAL_KEYS = {"jwks_url": "https://idp.example/jwks.json", "card_number_key": SecretStr("k" * 40)}


def settings(**changes) -> IssuanceSettings:
    return IssuanceSettings(**{"service_name": "issuance", "environment": "production", **REAL_KEYS, **changes})


def test_the_public_card_number_key_stops_the_start_in_production():
    with pytest.raises(InsecureSettings, match="value of ISSUANCE_CARD_NUMBER_KEY: "):
        settings(card_number_key=IssuanceSettings.model_fields["card_number_key"].default).refuse_public_secrets()


def test_real_keys_or_local_mode_start():
    settings().refuse_public_secrets()
    IssuanceSettings(service_name="issuance", environment="local").refuse_public_secrets()
