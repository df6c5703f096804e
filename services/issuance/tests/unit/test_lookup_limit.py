import pytest

from issuance.adapters.rate_limit import LookupLimit, TooManyLookups


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_subject_gets_its_burst_then_waits_for_the_bucket_to_refill():
    clock = Clock()
    limit = LookupLimit(per_minute=30, burst=3, clock=clock)
    for _ in range(3):
        limit.take("worker-1")
    with pytest.raises(TooManyLookups) as refused:
        limit.take("worker-1")
    assert refused.value.status == 429 and refused.value.retry_after == 2
    assert refused.value.message == "too many card look-ups from this token; try again in 2 s"
    clock.now += 2
    limit.take("worker-1")
    with pytest.raises(TooManyLookups):
        limit.take("worker-1")


def test_subjects_have_buckets_of_their_own():
    limit = LookupLimit(per_minute=1, burst=1, clock=Clock())
    limit.take("worker-1")
    limit.take("worker-2")
    with pytest.raises(TooManyLookups):
        limit.take("worker-1")


def test_a_bucket_never_holds_more_than_the_burst():
    clock = Clock()
    limit = LookupLimit(per_minute=60, burst=2, clock=clock)
    limit.take("worker-1")
    clock.now += 3600
    limit.take("worker-1")
    limit.take("worker-1")
    with pytest.raises(TooManyLookups):
        limit.take("worker-1")


def test_forgetting_full_buckets_keeps_those_still_draining(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(LookupLimit, "_MAX_SUBJECTS", 2)
    limit = LookupLimit(per_minute=1, burst=1, clock=clock)
    limit.take("worker-1")
    clock.now += 120
    limit.take("worker-2")
    limit.take("worker-3")  # worker-1's bucket is full again and forgotten; worker-2's is kept
    with pytest.raises(TooManyLookups):
        limit.take("worker-2")
    limit.take("worker-1")
