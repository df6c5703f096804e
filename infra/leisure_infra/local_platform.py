"""The whole platform on this machine: PostgreSQL, the Tansu broker with the platform's topics, and
every service as a process on fresh databases, and (for `make run`) the console in front of
them. `make run` and `make bench` both start it here.

PostgreSQL: LEISURE_DATABASE_URL, else the server on 127.0.0.1:5432, else an embedded one. The
broker: `bootstrap_servers` if given (LEISURE_KAFKA_BOOTSTRAP_SERVERS in the runner), else Tansu.
"""

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from leisure_infra.brokers import create_platform_topics
from leisure_infra.postgres import PostgresServer
from leisure_infra.services import (
    CONSOLE, SERVICES, ServiceProcess, ServiceSpec, console_environment, service_environment, wait_until_ready,
)
from leisure_infra.tansu import TansuBroker


@dataclass(frozen=True)
class LocalPlatform:
    postgres: PostgresServer
    bootstrap_servers: str
    idempotent_producer: bool
    services: dict[str, ServiceProcess]
    database_prefix: str
    console: ServiceProcess | None = None

    def url(self, service: str) -> str:
        return self.services[service].spec.url

    def database(self, service: str) -> str:
        return f"{self.database_prefix}_{service}"

    def database_url(self, service: str) -> str:
        return self.postgres.dsn(self.database(service))


def service_specs(first_port: int) -> tuple[ServiceSpec, ...]:
    return tuple(ServiceSpec(spec.name, first_port + n) for n, spec in enumerate(SERVICES))


@contextmanager
def local_platform(state_dir: Path, *, first_port: int, database_prefix: str, broker_port: int | None = None,
                   bootstrap_servers: str | None = None, postgres: PostgresServer | None = None,
                   idempotent_producer: bool = True, console_port: int | None = None,
                   service_variables: dict[str, str] | None = None,
                   ready_timeout: float = 60) -> Iterator[LocalPlatform]:
    """Starts everything, waits until every service is ready, and stops it all on leaving (a
    PostgreSQL server given by the caller stays up). `idempotent_producer`: whether the broker given
    supports it; `console_port`: start the console there too; `service_variables`: more settings
    for every service (after its prefix), e.g. the tests' short consumer group timings."""
    logs = state_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if postgres is None:
            postgres = stack.enter_context(PostgresServer.from_environment(state_dir / "pgdata"))
        idempotent = idempotent_producer
        if bootstrap_servers is None:
            broker = stack.enter_context(TansuBroker(port=broker_port, log_dir=logs))
            bootstrap_servers, idempotent = broker.bootstrap_servers, broker.supports_idempotence
        asyncio.run(create_platform_topics(bootstrap_servers))

        services = {}
        for spec in service_specs(first_port):
            database = f"{database_prefix}_{spec.name}"
            # The local broker forgets its log on stop, so the databases start afresh too.
            postgres.recreate_database(database)
            environment = service_environment(spec, postgres.dsn(database), bootstrap_servers, idempotent,
                                              service_variables)
            services[spec.name] = ServiceProcess(spec, environment, logs / f"{spec.name}.log")
        console = None
        if console_port is not None:
            console_spec = ServiceSpec(CONSOLE.name, console_port)
            console = ServiceProcess(console_spec, console_environment(
                {name: process.spec.url for name, process in services.items()}), logs / f"{CONSOLE.name}.log")
        processes = [*services.values(), *([console] if console else [])]
        for process in processes:
            stack.callback(process.stop)
            process.start()
        print("Starting the services…", flush=True)
        wait_until_ready(processes, timeout=ready_timeout)
        yield LocalPlatform(postgres, bootstrap_servers, idempotent, services, database_prefix, console)
