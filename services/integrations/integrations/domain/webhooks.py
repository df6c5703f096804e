"""Webhook subscriptions and the rules of delivery: what may be subscribed to, when to try again,
when to give up on a delivery and when to disable a subscription that keeps failing."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from leisure_contracts.registry import EVENT_CLASSES
from leisure_contracts.topics import is_internal
from leisure_runtime.errors import Rejected

SUBSCRIBABLE = tuple(sorted(cls.event_type() for cls in EVENT_CLASSES if not is_internal(cls.event_topic.value)))
"""Event types of the topics integrators may read: no card numbers, no individual background."""


@dataclass(frozen=True)
class DeliveryRules:
    max_attempts: int
    backoff_seconds: float
    backoff_max_seconds: float
    disable_after_failures: int

    def retry_delay(self, attempts: int) -> float:
        """Seconds before the next try after `attempts` failed ones: doubling, up to the maximum."""
        return min(self.backoff_max_seconds, self.backoff_seconds * 2 ** (attempts - 1))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts

    def disables(self, consecutive_failures: int) -> bool:
        return consecutive_failures >= self.disable_after_failures


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Rejected("invalid_url", f"url must be an absolute http:// or https:// address, got {url!r}")
    if parts.username or parts.password:
        raise Rejected("invalid_url", "url must not carry a user name or password: requests are signed instead")
    return url


def check_event_types(event_types: list[str]) -> list[str]:
    if not event_types:
        raise Rejected("no_event_types", f"name at least one event type; subscribable: {', '.join(SUBSCRIBABLE)}")
    for event_type in event_types:
        if event_type in SUBSCRIBABLE:
            continue
        public = event_type.replace("fi.leisurepass.", "fi.leisurepass.public.", 1)
        hint = f"; subscribe to {public} instead" if public in SUBSCRIBABLE else ""
        known = any(cls.event_type() == event_type for cls in EVENT_CLASSES)
        reason = "is internal: it carries card numbers or holders' background" if known else "is not an event type"
        raise Rejected("event_type_not_subscribable",
                       f"{event_type} {reason}{hint}. Subscribable: {', '.join(SUBSCRIBABLE)}")
    return sorted(set(event_types))
