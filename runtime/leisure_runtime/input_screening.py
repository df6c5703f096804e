"""Input no service can store or answer with, refused with a 422 before any route sees it.

PostgreSQL text cannot hold a NUL character, UTF-8 cannot encode a lone surrogate (JSON's
`"\\ud800"`), and JSON has no NaN or Infinity although Python's parser reads them: each used to
end in a 500 somewhere between the query, the event store and the answer. One check here covers
every route, the public catalogue's query string included. The answer has FastAPI's validation
shape, naming where the bad value is but never repeating it (it may be personal data).
"""

import json
import re
from urllib.parse import unquote_to_bytes

_JSON_TYPES = (b"application/json", b"+json")
# What can only be found by reading the JSON: an escape (`\u0000`, `\ud800`) or a bare constant.
# A body without any of them skips the second parse.
_NEEDS_READING = re.compile(rb"\\u|NaN|Infinity")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class _Unstorable(Exception):
    def __init__(self, location: list, message: str) -> None:
        super().__init__(message)
        self.location = location
        self.message = message


class InputScreening:
    """Plain ASGI, in front of the routes: refuses NUL characters in the path or query string, and
    NUL characters, lone surrogates, NaN and Infinity anywhere in a JSON body."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        if "\x00" in scope["path"]:
            return await _refuse(send, ["path"], "the path contains a NUL character; remove it")
        if b"\x00" in unquote_to_bytes(scope["query_string"]):
            return await _refuse(send, ["query"], "the query string contains a NUL character (%00); remove it")
        if not _is_json(scope):
            return await self.app(scope, receive, send)
        body, more = await _read_body(receive)
        try:
            _screen_body(body)
        except _Unstorable as problem:
            return await _refuse(send, ["body", *problem.location], problem.message)
        return await self.app(scope, _replay(body, more, receive), send)


def _is_json(scope) -> bool:
    """A body declared JSON, or not declared at all (a route may still read it as JSON)."""
    content_type = dict(scope["headers"]).get(b"content-type", b"").split(b";")[0].strip().lower()
    return scope["method"] in ("POST", "PUT", "PATCH") and (not content_type or content_type.endswith(_JSON_TYPES))


async def _read_body(receive) -> tuple[bytes, list]:
    """The whole body, and any message that came instead of a body part (a disconnect), to pass on."""
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), [message]
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), []


def _replay(body: bytes, more: list, receive):
    pending = [{"type": "http.request", "body": body, "more_body": False}, *more]

    async def replayed():
        return pending.pop(0) if pending else await receive()

    return replayed


def _screen_body(body: bytes) -> None:
    if not _NEEDS_READING.search(body):
        return
    try:
        document = json.loads(body, parse_constant=_no_constant)
    except ValueError:
        return  # not JSON: the route's own validation says so
    _screen_value(document, [])


def _no_constant(name: str):
    raise _Unstorable([], f"JSON has no {name}; give a number")


def _screen_value(value, location: list) -> None:
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found:
            raise _Unstorable(location, "the text contains a NUL character; remove it" if found.group() == "\x00"
                              else "the text contains an unpaired UTF-16 surrogate (\\ud800-\\udfff); "
                                   "send it as valid Unicode text")
    elif isinstance(value, dict):
        for key, item in value.items():
            _screen_value(key, location)
            _screen_value(item, [*location, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _screen_value(item, [*location, index])


async def _refuse(send, location: list, message: str) -> None:
    body = json.dumps({"detail": [{"type": "unstorable_input", "loc": location, "msg": message}]},
                      ensure_ascii=True).encode()
    await send({"type": "http.response.start", "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

