"""The base of every event: a versioned, frozen pydantic model that knows its topic and key."""

from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from leisure_contracts.topics import Topic

TYPE_PREFIX = "fi.leisurepass"


class Event(BaseModel):
    """An event's data, the value of its Kafka message.

    Unknown fields are ignored, so a subscriber built on an older minor shape keeps working when
    optional fields are added; a change that would break a subscriber is a new `event_version`.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_name: ClassVar[str]
    """Dotted name without the version, e.g. `card.issued`."""
    event_version: ClassVar[int] = 1
    event_topic: ClassVar[Topic]
    key_field: ClassVar[str]
    """The field holding the aggregate id: the Kafka key and the event store's stream."""

    @classmethod
    def event_type(cls) -> str:
        """The CloudEvents `type`, carrying the version: `fi.leisurepass.card.issued.v1`."""
        return f"{TYPE_PREFIX}.{cls.event_name}.v{cls.event_version}"

    @classmethod
    def dataschema(cls) -> str:
        """The CloudEvents `dataschema` (`ce_dataschema`): the `$id` of this type's checked-in JSON
        Schema, `urn:leisure-pass:schema:card.issued.v1` for `contracts/schemas/card.issued.v1.json`."""
        return f"urn:leisure-pass:schema:{cls.event_name}.v{cls.event_version}"

    @classmethod
    def schema_file(cls) -> str:
        return f"{cls.event_name}.v{cls.event_version}.json"

    def key(self) -> str:
        return str(getattr(self, self.key_field))
