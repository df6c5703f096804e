"""Text in query strings and headers: what the stats API accepts, and how it names a download.

Query text reaches SQL and the CSV's file name, so text PostgreSQL cannot store (NUL), control
characters, and bytes that were not UTF-8 (decoded to U+FFFD) are refused with a 422 that says so,
rather than failing in the database."""

from typing import Annotated
from urllib.parse import quote

from fastapi import Query, Response
from pydantic import AfterValidator

PROGRAMME_ID = r"^[a-z0-9][a-z0-9-]{1,62}$"


def plain_text(value: str | None) -> str | None:
    if value is None:
        return None
    if "\ufffd" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise ValueError("must be UTF-8 text; it held bytes that are not")
    if not value.isprintable():
        raise ValueError("must not hold control characters (such as NUL, tab or line breaks)")
    return value


TextQuery = Annotated[str | None, Query(min_length=1, max_length=64), AfterValidator(plain_text)]
ProgrammeQuery = Annotated[str | None, Query(pattern=PROGRAMME_ID, description="A programme id; default: all")]


def attachment(filename: str) -> str:
    """A Content-Disposition for any file name (RFC 6266): an ASCII stand-in for old clients, and the
    exact name as RFC 5987 UTF-8 for the rest; quotes and line breaks never reach the header."""
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in ".-_") else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def no_store(response: Response) -> None:
    """Figures by background are not to be kept by browsers or proxies."""
    response.headers["Cache-Control"] = "no-store"
