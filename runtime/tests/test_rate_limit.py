import pytest

from leisure_runtime.rate_limit import RateLimit, TooManyRequests


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def limit_of(per_minute: float, burst: int, clock=None) -> RateLimit:
    return RateLimit(per_minute, burst, code="too_many_lookups", what="card look-ups", clock=clock or Clock())


def test_a_subject_gets_its_burst_then_waits_for_the_bucket_to_refill():
    clock = Clock()
    limit = limit_of(per_minute=30, burst=3, clock=clock)
    for _ in range(3):
        limit.take("worker-1")
    with pytest.raises(TooManyRequests) as refused:
        limit.take("worker-1")
    assert refused.value.status == 429 and refused.value.retry_after == 2
    assert refused.value.code == "too_many_lookups"
    assert refused.value.message == "too many card look-ups from this token; try again in 2 s"
    clock.now += 2
    limit.take("worker-1")
    with pytest.raises(TooManyRequests):
        limit.take("worker-1")


def test_subjects_have_buckets_of_their_own():
    limit = limit_of(per_minute=1, burst=1)
    limit.take("worker-1")
    limit.take("worker-2")
    with pytest.raises(TooManyRequests):
        limit.take("worker-1")


def test_a_bucket_never_holds_more_than_the_burst():
    clock = Clock()
    limit = limit_of(per_minute=60, burst=2, clock=clock)
    limit.take("worker-1")
    clock.now += 3600
    limit.take("worker-1")
    limit.take("worker-1")
    with pytest.raises(TooManyRequests):
        limit.take("worker-1")


def test_checking_spends_nothing():
    limit = limit_of(per_minute=1, burst=1)
    for _ in range(5):
        limit.check("box-office")
    limit.spend("box-office")
    with pytest.raises(TooManyRequests):
        limit.check("box-office")


def test_what_concurrent_requests_spent_beyond_the_allowance_is_owed():
    clock = Clock()
    limit = limit_of(per_minute=60, burst=2, clock=clock)
    limit.check("box-office")
    limit.check("box-office")
    limit.check("box-office")  # three passed the check before any of them spent
    for _ in range(3):
        limit.spend("box-office")
    with pytest.raises(TooManyRequests) as refused:
        limit.check("box-office")
    assert refused.value.retry_after == 2  # from -1 back to 1 token at one a second
    clock.now += 2
    limit.check("box-office")


def test_forgetting_full_buckets_keeps_those_still_draining(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(RateLimit, "_MAX_SUBJECTS", 2)
    limit = limit_of(per_minute=1, burst=1, clock=clock)
    limit.take("worker-1")
    clock.now += 120
    limit.take("worker-2")
    limit.take("worker-3")  # worker-1's bucket is full again and forgotten; worker-2's is kept
    with pytest.raises(TooManyRequests):
        limit.take("worker-2")
    limit.take("worker-1")
