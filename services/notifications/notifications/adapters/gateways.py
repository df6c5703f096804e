"""SMS gateways: GatewayAPI's REST API in production, and for `make run` and tests a recorder that
keeps what would have been sent, in the process, for the local-only route to show."""

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol
from uuid import UUID

import httpx


class GatewayRefused(Exception):
    """The gateway did not take the message (no answer, or not 2xx); it is tried again later."""


class SmsGateway(Protocol):
    async def send(self, to: str, text: str, reference: UUID) -> None:
        """Hand one message over, or raise GatewayRefused. `reference` is the same in every try."""

    async def close(self) -> None: ...


class GatewayApi:
    """GatewayAPI (gatewayapi.com), `POST /rest/mtsms`: a JSON body with the sender, the message,
    the recipients' MSISDNs (digits with the country code, no plus) and `userref`, our message id,
    which its delivery reports carry back."""

    def __init__(self, url: str, token: str, sender: str, timeout: float) -> None:
        self._url = url
        self._sender = sender
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False,
                                          headers={"Authorization": f"Token {token}"})

    async def send(self, to: str, text: str, reference: UUID) -> None:
        body = {"sender": self._sender, "message": text, "recipients": [{"msisdn": int(to.lstrip("+"))}],
                "userref": str(reference)}
        try:
            response = await self._client.post(self._url, json=body)
        except httpx.HTTPError as error:
            raise GatewayRefused(type(error).__name__) from error
        if not response.is_success:
            # The answer's text may repeat the number: only the status is kept.
            raise GatewayRefused(f"answered {response.status_code}")

    async def close(self) -> None:
        await self._client.aclose()


@dataclass(frozen=True)
class Recorded:
    to: str
    text: str
    reference: UUID
    received_at: datetime


@dataclass
class RecordingGateway:
    """What a gateway would have sent. A reference seen before is not recorded twice, as a
    de-duplicating gateway would do, so a retried hand-over shows as one message."""

    messages: list[Recorded] = field(default_factory=list)

    async def send(self, to: str, text: str, reference: UUID) -> None:
        if all(message.reference != reference for message in self.messages):
            self.messages.append(Recorded(to, text, reference, datetime.now(timezone.utc)))

    async def close(self) -> None:
        return None
