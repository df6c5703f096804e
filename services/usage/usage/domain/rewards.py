"""Rewards: every Nth counted visit earns the card's reward once. A cancelled visit is not
counted, and a count that drops and climbs back does not earn the same reward twice: the number
of rewards earned is part of the card's standing."""

from dataclasses import dataclass, replace
from datetime import datetime

from leisure_contracts.events import RewardEarned, VisitRecorded
from usage.domain.views import CardAtVisit, CardStanding


@dataclass(frozen=True)
class RewardProgress:
    every_visits: int
    description: str
    counted_visits: int
    rewards_earned: int
    visits_to_next_reward: int


def count_visit(card: CardAtVisit, standing: CardStanding, visit: VisitRecorded,
                now: datetime) -> tuple[CardStanding, RewardEarned | None]:
    after = replace(standing, stream_version=standing.stream_version + 1,
                    counted_visits=standing.counted_visits + 1,
                    uses_in_visit_year=standing.uses_in_visit_year + 1)
    rule = card.reward_rule
    if rule is None or after.counted_visits < (standing.rewards_earned + 1) * rule.every_visits:
        return after, None
    reward = RewardEarned(card_id=card.card_id, programme_id=card.programme_id,
                          visits_counted=after.counted_visits, visit_id=visit.visit_id,
                          description=rule.description, earned_at=now)
    return replace(after, stream_version=after.stream_version + 1,
                   rewards_earned=standing.rewards_earned + 1), reward


def progress(every_visits: int, description: str, standing: CardStanding) -> RewardProgress:
    next_at = (standing.rewards_earned + 1) * every_visits
    return RewardProgress(every_visits, description, standing.counted_visits, standing.rewards_earned,
                          next_at - standing.counted_visits)
