"""What the operations kit's tests check against: the metric names the four services export."""

import re

import pytest

from leisure_infra.postgres import unique_database_name
from leisure_infra.service_testing import running_app, settings_for_test

_TYPE_LINE = re.compile(r"^# TYPE (\S+) (\w+)$", re.MULTILINE)
_SAMPLE_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("", "_sum", "_count")}
PROMETHEUS_MADE = {"up"}


@pytest.fixture(scope="session")
async def exported_metrics(postgres_server, kafka_broker) -> set[str]:
    """Every sample name on the /metrics of each service, started on a database of its own."""
    from integrations.main import create_app as integrations
    from issuance.main import create_app as issuance
    from notifications.main import create_app as notifications
    from stats.main import create_app as stats
    from usage.main import create_app as usage
    from venues.main import create_app as venues

    names = set(PROMETHEUS_MADE)
    databases = []
    for name, create_app in (("issuance", issuance), ("venues", venues), ("usage", usage), ("stats", stats),
                             ("integrations", integrations), ("notifications", notifications)):
        databases.append(unique_database_name(f"lp_metrics_{name}"))
        settings = settings_for_test(name, postgres_server.create_database(databases[-1]),
                                     kafka_broker.bootstrap_servers,
                                     kafka_broker.supports_idempotence)
        async with running_app(create_app(settings), wait_for_consumers=False) as client:
            names |= sample_names((await client.get("/metrics")).text)
    for database in databases:
        postgres_server.drop_database(database)
    return names


def sample_names(exposition: str) -> set[str]:
    names = set()
    for family, kind in _TYPE_LINE.findall(exposition):
        names |= {family + suffix for suffix in _SAMPLE_SUFFIXES.get(kind, ("",))}
    return names

