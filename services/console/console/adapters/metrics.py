"""The console's metrics: the runtime's HTTP ones, and what the services answered through it."""

from prometheus_client import Counter

from leisure_runtime.metrics import PREFIX, RuntimeMetrics


class ConsoleMetrics(RuntimeMetrics):
    def __init__(self, service_name: str = "console") -> None:
        super().__init__(service_name)
        self.upstream_answers = Counter(
            f"{PREFIX}_console_upstream_answers_total", "Answers of the services to requests passed on, by status",
            ["service", "status"], registry=self.registry,
        ).labels
        self.upstream_unreachable = Counter(
            f"{PREFIX}_console_upstream_unreachable_total", "Requests passed on that got no answer",
            ["service"], registry=self.registry,
        ).labels
