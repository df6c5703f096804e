"""The "unknown card" answer. Usage cannot tell a number never issued from a card issued a moment
ago whose CardIssued has not reached it yet, so the answer says how current its knowledge of cards
is and invites a retry."""

from dataclasses import dataclass

from leisure_runtime.errors import NotFound
from leisure_contracts.card_numbers import formatted


@dataclass(frozen=True)
class CardKnowledge:
    behind_events: int | None
    """Card events on the topic not yet applied, when last measured; none if not measurable."""
    behind_seconds: float | None
    """How old the newest applied card event is, when events are waiting; 0 when caught up."""
    measured_seconds_ago: float | None


class CardUnknown(NotFound):
    retry_after_seconds = 5

    def __init__(self, number: str, knowledge: CardKnowledge) -> None:
        super().__init__("card_unknown", f"no card {formatted(number)} is known here. {_currency(knowledge)} "
                         "Check the number against the card; if the card was issued just now, "
                         f"try again in {self.retry_after_seconds} seconds.")
        self.knowledge = knowledge


def _currency(knowledge: CardKnowledge) -> str:
    if knowledge.behind_events is None:
        if knowledge.behind_seconds is None:
            return "Usage has not applied any card yet."
        return (f"The newest card change usage has applied is {knowledge.behind_seconds:.0f} seconds old "
                "(its lag behind the card topic cannot be measured right now).")
    if knowledge.behind_events == 0:
        return (f"Usage was up to date with the card topic {knowledge.measured_seconds_ago:.0f} seconds ago.")
    return (f"Usage still has {knowledge.behind_events} card event(s) to apply, about "
            f"{knowledge.behind_seconds or 0:.0f} seconds behind the card topic.")
