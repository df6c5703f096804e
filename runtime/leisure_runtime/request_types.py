"""Types of request fields that several services take: texts with a maximum length, postal codes
of ASCII digits, and times that exist in UTC. For request and command models only: the event
schemas in contracts stay as integrators know them.

Lengths are generous for what staff write and small enough that no text can make an event too
large for the broker (the limits are listed in each service's README).
"""

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field, create_model

from leisure_contracts.events.common import LocalizedText

NAME_LENGTH = 200
"""Names and titles, in each language."""
DESCRIPTION_LENGTH = 4_000
"""Descriptions and accessibility notes, in each language."""
STATEMENT_LENGTH = 500
"""One eligibility criterion."""
MAX_LIST_ITEMS = 50
"""Criteria, regions, programmes or languages in one list."""


def _localized(name: str, max_length: int, doc: str) -> type[LocalizedText]:
    text = (str | None, Field(default=None, max_length=max_length))
    return create_model(name, __base__=LocalizedText, __doc__=doc, fi=text, sv=text, en=text)


LocalizedName = _localized("LocalizedName", NAME_LENGTH,
                           f"A name or title in Finnish, Swedish and English (at least one), {NAME_LENGTH} "
                           "characters at most in each.")
LocalizedDescription = _localized("LocalizedDescription", DESCRIPTION_LENGTH,
                                  f"A text in Finnish, Swedish and English (at least one), {DESCRIPTION_LENGTH} "
                                  "characters at most in each.")

# `\d` and str.isdigit() also take other scripts' digits (fullwidth "０２１００", Arabic-Indic, ...).
PostalCode = Annotated[str, Field(pattern=r"^[0-9]{5}$", description="Finnish postal code, five digits 0-9")]


def _exists_in_utc(value: datetime) -> datetime:
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("this time is outside the years 1-9999 in UTC; give a real date") from None
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_exists_in_utc)]
"""An aware datetime that can be compared with the clock: `0001-01-01T00:00:00+14:00` is valid
ISO 8601 but falls before year 1 in UTC."""
