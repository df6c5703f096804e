"""What the routers share: the wired handlers, the look-up limit, and answers that never repeat
what was sent (a refused value may be personal data)."""

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from issuance.application.streams import Issuance
from leisure_runtime.auth import Principal, Role, require


def issuance(request: Request) -> Issuance:
    state = request.app.state
    return Issuance(state.pool, state.event_store, state.card_numbers, state.metrics)


def by_number(*roles: Role) -> Callable[..., Principal]:
    """`require(*roles)`, and one look-up from the caller's allowance: every route that takes a card
    number spends one, so numbers cannot be enumerated through any of them."""

    # async on purpose: the limit's buckets are then only touched from the event loop, never from threads.
    async def limited(request: Request, principal: Principal = Depends(require(*roles))) -> Principal:
        request.app.state.lookup_limit.take(principal.subject)
        return principal

    return limited


async def invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    """FastAPI's 422, without the `input` it would echo: the value may be personal data."""
    problems = [{key: value for key, value in problem.items() if key not in ("input", "ctx")}
                for problem in error.errors()]
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(problems)})
