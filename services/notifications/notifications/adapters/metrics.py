"""The notifications service's metrics: the runtime's, consents, and how text messages go. No
label ever carries a number or a card."""

from prometheus_client import Counter, Gauge

from leisure_runtime.metrics import PREFIX, RuntimeMetrics


class NotificationsMetrics(RuntimeMetrics):
    def __init__(self, service_name: str) -> None:
        super().__init__(service_name)
        self.consent_changes = Counter(
            f"{PREFIX}_sms_consent_changes_total",
            "Consents given, and numbers erased by cause: withdrawn_at_desk, withdrawn_by_reply, card_revoked, "
            "card_expired", ["change"], registry=self.registry,
        ).labels
        self.messages = Counter(
            f"{PREFIX}_sms_messages_total",
            "Text-message tries by outcome: sent, retrying, given_up, cancelled (consent gone before sending)",
            ["outcome"], registry=self.registry,
        ).labels
        self.pending = Gauge(f"{PREFIX}_sms_pending_messages", "Messages neither sent nor given up",
                             registry=self.registry)
        self.replies = Counter(f"{PREFIX}_sms_replies_total", "Holders' replies by kind: opt_out, other",
                               ["kind"], registry=self.registry).labels
