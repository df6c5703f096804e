import pytest

from leisure_infra.service_testing import TEST_TIMINGS
from leisure_infra.services import SERVICES, ServiceProcess, ServiceSpec, service_environment, wait_until_ready
from leisure_infra.ports import free_port


@pytest.fixture(scope="module")
def platform(kafka_broker, database_factory, tmp_path_factory):
    """Every service as a separate process on free ports, each with a fresh database."""
    logs = tmp_path_factory.mktemp("service-logs")
    processes = {}
    for spec in SERVICES:
        spec = ServiceSpec(spec.name, free_port())
        environment = service_environment(spec, database_factory(), kafka_broker.bootstrap_servers,
                                          kafka_broker.supports_idempotence, TEST_TIMINGS)
        processes[spec.name] = ServiceProcess(spec, environment, logs / f"{spec.name}.log")
    try:
        for process in processes.values():
            process.start()
        wait_until_ready(list(processes.values()))
        yield processes
    finally:
        for process in processes.values():
            process.stop()
