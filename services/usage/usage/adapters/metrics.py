"""Usage's business metrics, beside the runtime's. No card numbers or ids as labels."""

from prometheus_client import Counter, Gauge, Histogram

from leisure_runtime.metrics import PREFIX, RuntimeMetrics


class UsageMetrics(RuntimeMetrics):
    def __init__(self, service_name: str = "usage") -> None:
        super().__init__(service_name)
        name = f"{PREFIX}_usage"
        registry = self.registry
        self.visits_recorded = Counter(f"{name}_visits_recorded_total", "Visits recorded, by offer category",
                                       ["category"], registry=registry).labels
        self.visits_refused = Counter(f"{name}_visits_refused_total", "Visits refused, by reason code",
                                      ["reason"], registry=registry).labels
        self.group_visits = Counter(f"{name}_group_visits_total",
                                    "Group visits answered (each card also counts as a visit recorded or refused)",
                                    registry=registry)
        self.visits_cancelled = Counter(f"{name}_visits_cancelled_total", "Visits cancelled", registry=registry)
        self.tickets = Counter(f"{name}_tickets_total", "Tickets of the visits recorded", registry=registry)
        self.rewards = Counter(f"{name}_rewards_earned_total", "Rewards earned", registry=registry)
        self.quota_exhausted = Counter(f"{name}_quota_exhausted_total",
                                       "Visits that took an offer's last place", registry=registry)
        self.record_duration = Histogram(
            f"{name}_record_visit_duration_seconds",
            "Time to answer a visit, its batch's commit included, by outcome "
            "(recorded, replayed, refused, not_recorded)", ["outcome"], registry=registry,
            buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        ).labels
        self.visit_batch_size = Histogram(
            f"{name}_visit_batch_visits", "Visits answered per committed batch (one commit each)",
            registry=registry, buckets=(1, 2, 4, 8, 16, 32, 64, 128))
        self.visit_batch_duration = Histogram(
            f"{name}_visit_batch_duration_seconds", "Time of a batch's transaction, commit included",
            registry=registry, buckets=(0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1))
        self.visit_batches_failed = Counter(
            f"{name}_visit_batches_failed_total", "Batches whose transaction failed: none of their visits recorded",
            registry=registry)
        self.visit_batches_rewritten = Counter(
            f"{name}_visit_batches_rewritten_total",
            "Batches written again with a savepoint per visit, after a visit failed (a conflict, an error)",
            registry=registry)
        self.read_model_lag_events = Gauge(f"{name}_read_model_lag_events",
                                           "Events on the topic the read models have not applied yet",
                                           ["topic"], registry=registry).labels
        self.read_model_lag_seconds = Gauge(
            f"{name}_read_model_lag_seconds",
            "0 when caught up with the topic, else the age of the newest event applied from it",
            ["topic"], registry=registry).labels
