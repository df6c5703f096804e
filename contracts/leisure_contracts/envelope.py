"""CloudEvents 1.0 attributes carried as Kafka headers (Kafka protocol binding, binary mode).

The Kafka value is the event data as JSON; every CloudEvents attribute travels as a `ce_`-prefixed
header, and `content-type` carries `datacontenttype`, as the binding prescribes.
"""

from datetime import datetime, timezone
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

SPEC_VERSION = "1.0"
JSON = "application/json"
_PREFIX = "ce_"


class InvalidEnvelope(ValueError):
    """The message's headers do not make a valid CloudEvent."""


class CloudEventAttributes(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    source: str
    type: str
    subject: str | None = None
    time: AwareDatetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    datacontenttype: str = JSON
    dataschema: str | None = None
    specversion: str = SPEC_VERSION

    def to_headers(self) -> list[tuple[str, bytes]]:
        headers = [
            (f"{_PREFIX}specversion", self.specversion),
            (f"{_PREFIX}id", str(self.id)),
            (f"{_PREFIX}source", self.source),
            (f"{_PREFIX}type", self.type),
            (f"{_PREFIX}time", self.time.isoformat()),
            ("content-type", self.datacontenttype),
        ]
        if self.subject is not None:
            headers.append((f"{_PREFIX}subject", self.subject))
        if self.dataschema is not None:
            headers.append((f"{_PREFIX}dataschema", self.dataschema))
        return [(name, value.encode()) for name, value in headers]

    @classmethod
    def from_headers(cls, headers: dict[str, bytes | str] | list[tuple[str, bytes]]) -> "CloudEventAttributes":
        pairs = headers.items() if isinstance(headers, dict) else headers
        values: dict[str, str | None] = {}
        for name, raw in pairs:
            if name.startswith(_PREFIX):
                attribute = name[len(_PREFIX):]
            elif name == "content-type":
                attribute = "datacontenttype"
            else:
                continue  # other systems' headers (tracing, …) are theirs: not read, not judged
            try:
                values[attribute] = raw.decode() if isinstance(raw, bytes) else raw
            except UnicodeDecodeError:
                raise InvalidEnvelope(f"header {name} is not UTF-8") from None
        if values.get("specversion") != SPEC_VERSION:
            raise InvalidEnvelope(f"ce_specversion must be {SPEC_VERSION!r}, got {values.get('specversion')!r}")
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise InvalidEnvelope(f"invalid CloudEvents headers: {error}") from error


class HeaderTemplate:
    """Headers for many events of one type from one source, as `to_headers` makes them, with the
    attributes they share encoded once: the outbox relay publishes thousands a second."""

    def __init__(self, source: str, type: str, dataschema: str | None = None) -> None:
        self._specversion = (f"{_PREFIX}specversion", SPEC_VERSION.encode())
        self._source = (f"{_PREFIX}source", source.encode())
        self._type = (f"{_PREFIX}type", type.encode())
        self._content_type = ("content-type", JSON.encode())
        self._dataschema = [] if dataschema is None else [(f"{_PREFIX}dataschema", dataschema.encode())]

    def headers(self, id: UUID, time: datetime, subject: str | None = None) -> list[tuple[str, bytes]]:
        headers = [self._specversion, (f"{_PREFIX}id", str(id).encode()), self._source, self._type,
                   (f"{_PREFIX}time", time.isoformat().encode()), self._content_type]
        if subject is not None:
            headers.append((f"{_PREFIX}subject", subject.encode()))
        return headers + self._dataschema
