"""What the console passes on to a service, and what it keeps to itself. Pure: no I/O."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from leisure_runtime.errors import NotFound

FORWARDED_REQUEST_HEADERS = frozenset({"authorization", "content-type", "accept", "accept-language", "x-request-id"})
"""Cookies and the browser's other headers stay here: the services read only these."""

FORWARDED_RESPONSE_HEADERS = frozenset({
    "content-type", "content-disposition", "retry-after", "idempotent-replayed", "www-authenticate",
})
"""The request id is the console's own (the service was given it), so it is not passed back twice."""

API_PREFIX = "v1/"
"""Only the services' APIs: their /metrics, /docs and /ready are for operators, not browsers."""


@dataclass(frozen=True)
class Target:
    service: str
    url: str


def target(upstreams: Mapping[str, str], service: str, path: str, query: str) -> Target:
    """The service URL that `/api/<service>/<path>?<query>` stands for, or 404 saying why not."""
    if service not in upstreams:
        raise NotFound("unknown_service",
                       f"there is no service {service!r} behind the console; use one of {', '.join(sorted(upstreams))}")
    if not path.startswith(API_PREFIX) or ".." in path.split("/"):
        raise NotFound("not_an_api_path", f"the console passes on only /{API_PREFIX}… paths of the services")
    url = f"{upstreams[service]}/{path}"
    return Target(service, f"{url}?{query}" if query else url)


def forwarded(headers: Iterable[tuple[str, str]], allowed: frozenset[str]) -> dict[str, str]:
    return {name: value for name, value in headers if name.lower() in allowed}
