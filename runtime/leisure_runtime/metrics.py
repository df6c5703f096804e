"""Prometheus metrics every service has. Each app gets its own registry, so several apps can live
in one test process; labels never carry a card number or an event id."""

from prometheus_client import (
    GC_COLLECTOR, PLATFORM_COLLECTOR, PROCESS_COLLECTOR, CollectorRegistry, Counter, Gauge, Histogram,
)

PREFIX = "leisure"


class RuntimeMetrics:
    def __init__(self, service_name: str, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        labels = {"service": service_name}
        self.http_requests = Counter(
            f"{PREFIX}_http_requests_total", "HTTP requests by route template and status",
            ["method", "route", "status"], registry=self.registry,
        ).labels
        self.http_duration = Histogram(
            f"{PREFIX}_http_request_duration_seconds", "HTTP request latency by route template",
            ["method", "route"], registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        ).labels
        self.events_published = Counter(
            f"{PREFIX}_events_published_total", "Events the outbox relay published, by type",
            ["type"], registry=self.registry,
        ).labels
        self.events_consumed = Counter(
            f"{PREFIX}_events_consumed_total",
            "Events a consumer applied (outcome=applied) or had already applied (outcome=duplicate)",
            ["consumer", "type", "outcome"], registry=self.registry,
        ).labels
        self.dead_letters = Counter(
            f"{PREFIX}_dead_letters_total", "Messages sent to a dead-letter topic",
            ["consumer", "topic"], registry=self.registry,
        ).labels
        self.outbox_backlog = Gauge(
            f"{PREFIX}_outbox_backlog_events", "Stored events not yet published, parked ones included",
            registry=self.registry,
        )
        self.outbox_parked = Gauge(
            f"{PREFIX}_outbox_parked_events",
            "Events the relay set aside: refused by the broker for good, or behind such an event of their key",
            registry=self.registry,
        )
        self.outbox_undeliverable = Counter(
            f"{PREFIX}_outbox_undeliverable_events_total",
            "Events the broker refused for good (too large, invalid topic), by type; each is parked",
            ["type"], registry=self.registry,
        ).labels
        self.outbox_failures = Counter(
            f"{PREFIX}_outbox_relay_failures_total",
            "Times the relay failed (broker or database unreachable, …) and started again", registry=self.registry,
        )
        self.outbox_oldest_pending_seconds = Gauge(
            f"{PREFIX}_outbox_oldest_pending_seconds",
            "Age of the oldest stored event not yet published (0: none waiting)", registry=self.registry,
        )
        self.broker_log_lost_partitions = Gauge(
            f"{PREFIX}_broker_log_lost_partitions",
            "Partitions whose end offset went backwards (the broker lost records), not yet republished",
            registry=self.registry,
        )
        self.consumer_lag_seconds = Gauge(
            f"{PREFIX}_consumer_lag_seconds", "Age of the newest event a consumer applied when it applied it",
            ["consumer"], registry=self.registry,
        ).labels
        self.info = Gauge(f"{PREFIX}_service_info", "Always 1; carries the service name",
                          list(labels), registry=self.registry)
        self.info.labels(**labels).set(1)
        # process_* (CPU, resident memory, open files), python_info and python_gc_*: the default
        # registry's collectors, shared by every registry (they describe the one process).
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
