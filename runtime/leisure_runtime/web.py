"""What every service's HTTP answers share: refusals as `{code, detail}` (declared in the OpenAPI),
request-validation answers that never repeat what was sent, and the request body size limit."""

from http import HTTPStatus

from fastapi import HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from leisure_runtime.errors import Refusal


class RefusalAnswer(BaseModel):
    """The body of every refusal but a request-validation one."""

    code: str = Field(description="Why, in a stable word to program against, e.g. `card_unknown`")
    detail: str = Field(description="What was refused and what to do about it, for staff to read")


class InvalidField(BaseModel):
    loc: list[str | int] = Field(description="Where in the request: body, query, path or header, then the field")
    msg: str
    type: str


class InvalidRequest(BaseModel):
    """A request-validation refusal: which fields are wrong, without the values sent."""

    detail: list[InvalidField]


REFUSALS = {
    "4XX": {"model": RefusalAnswer, "description": "Refused: `code` says why, `detail` what to do"},
    422: {"model": RefusalAnswer | InvalidRequest,
          "description": "A field is invalid (`detail` lists where and why, never the value sent), "
                         "or the rules refuse the request (`code`, `detail`)"},
}
"""`responses=` for every service route, so the OpenAPI declares what a client may get back."""


class RequestTooLarge(HTTPException):
    """413, raised while the body is read: an HTTPException, so FastAPI passes it on unchanged."""

    code = "request_too_large"

    def __init__(self, limit: int):
        super().__init__(413, f"the request body is larger than the {limit:,} bytes allowed; send less")


async def refusal(_request: Request, error: Refusal) -> JSONResponse:
    return JSONResponse(status_code=error.status, content={"code": error.code, "detail": error.message},
                        headers=error.headers)


async def http_refusal(_request: Request, error: StarletteHTTPException) -> Response:
    """Starlette's and FastAPI's own refusals (401, 403, 404, 405, …) in the same `{code, detail}` shape."""
    headers = getattr(error, "headers", None)
    if error.status_code in (204, 304):
        return Response(status_code=error.status_code, headers=headers)
    code = getattr(error, "code", None) or HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
    return JSONResponse(status_code=error.status_code, content={"code": code, "detail": error.detail},
                        headers=headers)


async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 without the `input` (and `ctx`) it would echo: a value typed into the wrong
    field may be personal data, and refusals are logged and shown on screens."""
    problems = [{key: value for key, value in problem.items() if key not in ("input", "ctx")}
                for problem in error.errors()]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(problems)})


class HttpGuards:
    """Plain ASGI, on every request: refuses a body above `max_body_bytes` without reading it all
    (by its Content-Length, else by counting what arrives), and adds the headers every answer
    needs: `nosniff` always, `no-store` on answers to a request with credentials (staff answers,
    which may carry holder background) unless the route chose its own caching."""

    def __init__(self, app, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        private = b"authorization" in headers

        started = False

        async def send_with_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                given = message.get("headers", [])
                added = [(b"x-content-type-options", b"nosniff")]
                if private and not any(name.lower() == b"cache-control" for name, _ in given):
                    added.append((b"cache-control", b"no-store"))
                message["headers"] = [*given, *added]
            await send(message)

        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            answer = await http_refusal(None, RequestTooLarge(self.max_body_bytes))
            return await answer(scope, receive, send_with_headers)
        received = 0

        async def counted_receive():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise RequestTooLarge(self.max_body_bytes)
            return message

        try:
            await self.app(scope, counted_receive, send_with_headers)
        except RequestTooLarge as too_large:
            # Raised in a middleware that reads the body before the routes (and their handlers) run.
            if started:
                raise
            answer = await http_refusal(None, too_large)
            await answer(scope, receive, send_with_headers)
