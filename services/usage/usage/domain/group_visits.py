"""A group visit: a group activity's or course's session where staff record several holders at
once. Each card is judged on its own, as if its visit were recorded alone, and gets an answer of its
own: at a door, the holders whose cards pass go in and the staff see at once which did not and why.
Nothing ties the cards together, so there is no all-or-nothing to undo."""

import hashlib
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from leisure_runtime.request_types import Instant
from usage.domain.visits import RecordVisit

MOST_HOLDERS = 50


class GroupMember(BaseModel):
    model_config = ConfigDict(extra="forbid")

    card_number: str = Field(max_length=40, description="As typed or scanned; spaces and dashes are fine")
    tickets: int = Field(default=1, ge=1, le=50, description="Holder, children under 16 and escort together")
    escort: bool = False


class RecordGroupVisit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: UUID
    holders: list[GroupMember] = Field(min_length=1, max_length=MOST_HOLDERS,
                                       description=f"The holders present, 1 to {MOST_HOLDERS}")
    idempotency_key: str = Field(min_length=8, max_length=80,
                                 description="New for each group visit, the same on a retry: a retry records "
                                             "nothing twice, and records the cards refused before if they now pass")
    occurred_at: Instant | None = Field(default=None, description="When the session was, if entered later "
                                                                  "from paper (up to 30 days back)")
    session_id: UUID | None = Field(default=None, description="The offer's session: each card takes its places")

    @model_validator(mode="after")
    def _escorts_come_with_holders(self) -> "RecordGroupVisit":
        for position, member in enumerate(self.holders):
            if member.escort and member.tickets < 2:
                raise ValueError(f"holder {position}: with an escort there are at least two tickets")
        return self


def member_key(group_key: str, number: str) -> str:
    """Each card's idempotency key within the group: the same card in a retry gets the same key
    whatever its place in the list, so it is recorded once."""
    return f"{group_key}:{hashlib.sha256(number.encode()).hexdigest()[:16]}"


def member_visit(command: RecordGroupVisit, member: GroupMember, number: str) -> RecordVisit:
    return RecordVisit(card_number=number, offer_id=command.offer_id, tickets=member.tickets, escort=member.escort,
                       idempotency_key=member_key(command.idempotency_key, number),
                       occurred_at=command.occurred_at, session_id=command.session_id)


def ending(typed: str) -> str:
    """What a per-card answer shows of the number: its last four characters, enough for staff to tell
    the cards apart, no more."""
    return typed.replace(" ", "").replace("-", "")[-4:]

