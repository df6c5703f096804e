"""Passing one browser request on to a service and its answer back, unchanged but for headers."""

from dataclasses import dataclass

import httpx

from console.domain.routing import FORWARDED_RESPONSE_HEADERS, Target, forwarded
from leisure_runtime.errors import Refusal


class Unreachable(Refusal):
    status = 502


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


async def forward(client: httpx.AsyncClient, target: Target, method: str, headers: dict[str, str],
                  body: bytes) -> Answer:
    """The service's answer; 502 `service_unreachable` when it does not answer at all, so the box
    office knows nothing was recorded and can queue the visit."""
    try:
        response = await client.request(method, target.url, headers=headers, content=body)
    except httpx.HTTPError as error:
        raise Unreachable("service_unreachable",
                          f"the {target.service} service did not answer ({type(error).__name__}); "
                          "nothing was sent to it, try again in a moment") from error
    return Answer(response.status_code, forwarded(response.headers.items(), FORWARDED_RESPONSE_HEADERS),
                  response.content)
