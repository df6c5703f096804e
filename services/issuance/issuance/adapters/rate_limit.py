"""A token bucket per token subject, so card numbers cannot be enumerated by looking them up.

In-process: with n instances behind a load balancer a subject gets up to n times the rate, which
still makes enumerating 10^11 numbers hopeless; a shared limit belongs in the API gateway.
"""

import math
import time
from collections.abc import Callable

from leisure_runtime.errors import Refusal


class TooManyLookups(Refusal):
    status = 429

    def __init__(self, retry_after: float) -> None:
        self.retry_after = math.ceil(retry_after)
        super().__init__("too_many_lookups",
                         f"too many card look-ups from this token; try again in {self.retry_after} s")


class LookupLimit:
    _MAX_SUBJECTS = 10_000

    def __init__(self, per_minute: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60
        self._burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # subject -> (tokens, when counted)

    def take(self, subject: str) -> None:
        """Spend one look-up of `subject`, or raise TooManyLookups saying how long to wait."""
        now = self._clock()
        tokens, then = self._buckets.get(subject, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens < 1:
            raise TooManyLookups((1 - tokens) / self._rate)
        if subject not in self._buckets and len(self._buckets) >= self._MAX_SUBJECTS:
            self._forget_full_buckets(now)
        self._buckets[subject] = (tokens - 1, now)

    def _forget_full_buckets(self, now: float) -> None:
        # A full bucket is the same as no bucket: dropping it bounds memory and changes nothing.
        self._buckets = {subject: (tokens, then) for subject, (tokens, then) in self._buckets.items()
                         if tokens + (now - then) * self._rate < self._burst}
