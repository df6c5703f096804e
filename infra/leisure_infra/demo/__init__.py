"""Demo data for `make run`, loaded through the services' own APIs as staff would enter it.

Each service's part lives in its own module; later parts use what earlier ones created (usage
records visits on the demo cards and offers). A few weeks of history, entered as staff enter it
later: cards issued on paper on days of the last four weeks, seasons and courses that opened weeks
ago, visits on the days between and today. No personal data: backgrounds are statistics only.
"""

from dataclasses import dataclass, field

from leisure_infra.demo import issuance, stats, usage, venues
from leisure_runtime.auth import AuthSettings


@dataclass
class Demo:
    summary: dict[str, int] = field(default_factory=dict)
    cards: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)


def load(urls: dict[str, str], auth: AuthSettings) -> Demo:
    """Load every service's demo data, in the order they depend on each other."""
    demo = Demo()
    demo.cards = issuance.load(urls["issuance"], auth, demo.summary)
    demo.offers = venues.load(urls["venues"], auth, demo.summary)
    usage.load(urls["usage"], auth, demo.cards, demo.offers, demo.summary)
    stats.load(urls["stats"], auth, demo.summary)
    return demo
