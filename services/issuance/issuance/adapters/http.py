"""What the routers share: the wired handlers and the look-up limit."""

from collections.abc import Callable

from fastapi import Depends, Request

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
