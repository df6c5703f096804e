"""Refusals of this service that are not plain rule breaks (422) or unknown things (404)."""

from leisure_runtime.errors import Refusal


class Conflict(Refusal):
    """The thing is in a state that no longer allows the change: a closed venue, a withdrawn offer."""

    status = 409


class BadRequest(Refusal):
    """A request the API cannot read, such as a page cursor that was not handed out by it."""

    status = 400
