"""A token bucket per token subject, so card numbers cannot be enumerated: issuance spends one on
every card look-up, usage one on every visit refused because the card is unknown.

In-process: with n instances behind a load balancer a subject gets up to n times the rate, which
still makes enumerating 10^11 numbers hopeless; a shared limit belongs in the API gateway.
"""

import math
import time
from collections.abc import Callable

from leisure_runtime.errors import Refusal


class TooManyRequests(Refusal):
    status = 429

    def __init__(self, code: str, what: str, retry_after: float) -> None:
        self.retry_after = math.ceil(retry_after)
        super().__init__(code, f"too many {what} from this token; try again in {self.retry_after} s",
                         headers={"Retry-After": str(self.retry_after)})


class RateLimit:
    """`per_minute` sustained and `burst` at once, per subject. Refusals say `code` and count `what`."""

    _MAX_SUBJECTS = 10_000

    def __init__(self, per_minute: float, burst: int, *, code: str, what: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_minute / 60
        self._burst = burst
        self._code = code
        self._what = what
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # subject -> (tokens, when counted)

    def take(self, subject: str) -> None:
        """Spend one of `subject`'s allowance, or raise TooManyRequests saying how long to wait."""
        self.check(subject)
        self.spend(subject)

    def check(self, subject: str) -> None:
        """Raise TooManyRequests if `subject` has nothing left to spend; spends nothing."""
        tokens = self._tokens(subject, self._clock())
        if tokens < 1:
            raise TooManyRequests(self._code, self._what, (1 - tokens) / self._rate)

    def spend(self, subject: str) -> None:
        """Spend one, also below zero: what was checked before concurrent requests spent it is owed,
        and makes the subject wait longer."""
        now = self._clock()
        if subject not in self._buckets and len(self._buckets) >= self._MAX_SUBJECTS:
            self._forget_full_buckets(now)
        self._buckets[subject] = (self._tokens(subject, now) - 1, now)

    def _tokens(self, subject: str, now: float) -> float:
        tokens, then = self._buckets.get(subject, (self._burst, now))
        return min(self._burst, tokens + (now - then) * self._rate)

    def _forget_full_buckets(self, now: float) -> None:
        # A full bucket is the same as no bucket: dropping it bounds memory and changes nothing.
        self._buckets = {subject: (tokens, then) for subject, (tokens, then) in self._buckets.items()
                         if tokens + (now - then) * self._rate < self._burst}

