"""Demo data for `make run`, loaded through the services' own APIs as staff would enter it.

Each service's part lives in its own module; later parts use what earlier ones created (usage
records visits on the demo cards and offers). No personal data: backgrounds are statistics only.
"""

from leisure_infra.demo import issuance
from leisure_runtime.auth import AuthSettings


def load(urls: dict[str, str], auth: AuthSettings) -> dict[str, int]:
    """Load every service's demo data; return how many of each thing were created."""
    summary: dict[str, int] = {}
    issuance.load(urls["issuance"], auth, summary)
    return summary
