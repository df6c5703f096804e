"""Refusals a domain decides and the HTTP status each becomes. Pure: domain code raises these
without knowing about HTTP; the app factory turns them into 4xx answers with `code` and `detail`."""


class Refusal(Exception):
    status = 422

    def __init__(self, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.headers = headers or {}


class NotFound(Refusal):
    status = 404


class AlreadyExists(Refusal):
    status = 409


class Rejected(Refusal):
    """The request is well formed but the rules say no."""

    status = 422


class TooLarge(Refusal):
    status = 413
