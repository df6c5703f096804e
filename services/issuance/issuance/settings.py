"""The issuance service's settings: the runtime's, plus the card-number key and the lookup limit."""

from pydantic import Field, SecretStr

from leisure_runtime.settings import ServiceSettings


class IssuanceSettings(ServiceSettings):
    card_number_key: SecretStr = Field(
        default=SecretStr("local-card-number-key-change-me"),
        description="Keys the permutation of the card-number counter. Secret, and never changed once "
                    "cards exist: numbers could then repeat (the card_numbers table would refuse them).",
    )
    lookup_rate_per_minute: float = Field(default=30, gt=0, description="Card look-ups per token subject, sustained")
    lookup_burst: int = Field(default=20, ge=1, description="Look-ups a subject may make at once")

    def public_secrets(self) -> list[str]:
        public = self.card_number_key == type(self).model_fields["card_number_key"].default
        return super().public_secrets() + (["CARD_NUMBER_KEY"] if public else [])
