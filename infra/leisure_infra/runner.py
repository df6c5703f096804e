"""`make run`: the whole platform on this machine, on embedded defaults, with demo data.

Starts PostgreSQL (unless LEISURE_DATABASE_URL names one) and the Tansu broker (unless
LEISURE_KAFKA_BOOTSTRAP_SERVERS names one), creates the topics and the four service databases,
starts the services, waits until all are ready, loads the demo data, prints the URLs and a token
per role, and stops everything cleanly on Ctrl-C.
"""

import asyncio
import os
import signal
import sys
import threading
from contextlib import ExitStack
from pathlib import Path

import httpx

from leisure_contracts.topics import PARTITIONS, all_topics
from leisure_infra import demo
from leisure_infra.postgres import PostgresServer
from leisure_infra.services import SERVICES, ServiceProcess, ServiceSpec, service_environment, wait_until_ready
from leisure_infra.brokers import create_topics
from leisure_infra.tansu import TansuBroker
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings

STATE_DIR = Path(os.environ.get("LEISURE_STATE_DIR", ".local"))
BROKER_PORT = int(os.environ.get("LEISURE_KAFKA_PORT", "9092"))
FIRST_SERVICE_PORT = int(os.environ.get("LEISURE_FIRST_PORT", str(SERVICES[0].port)))
DATABASE_PREFIX = os.environ.get("LEISURE_DATABASE_PREFIX", "leisure")
SPECS = tuple(ServiceSpec(spec.name, FIRST_SERVICE_PORT + n) for n, spec in enumerate(SERVICES))


def main() -> int:
    STATE_DIR.mkdir(exist_ok=True)
    logs = STATE_DIR / "logs"
    logs.mkdir(exist_ok=True)
    with ExitStack() as stack:
        stop_requested = _stop_on_signals()
        postgres = stack.enter_context(PostgresServer.from_environment(STATE_DIR / "pgdata"))
        bootstrap = os.environ.get("LEISURE_KAFKA_BOOTSTRAP_SERVERS")
        idempotent = True
        if bootstrap is None:
            broker = stack.enter_context(TansuBroker(port=BROKER_PORT, log_dir=logs))
            bootstrap, idempotent = broker.bootstrap_servers, broker.supports_idempotence
        asyncio.run(create_topics(bootstrap, all_topics(), PARTITIONS))

        processes = []
        for spec in SPECS:
            database = f"{DATABASE_PREFIX}_{spec.name}"
            # The local broker forgets its log on stop, so the demo databases start afresh too.
            postgres.recreate_database(database)
            environment = service_environment(spec, postgres.dsn(database), bootstrap, idempotent)
            processes.append(ServiceProcess(spec, environment, logs / f"{spec.name}.log"))
        for process in processes:
            stack.callback(process.stop)
            process.start()
        print("Starting the services…", flush=True)
        wait_until_ready(processes, timeout=60)

        auth = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
        try:
            loaded = demo.load({spec.name: spec.url for spec in SPECS}, auth)
        except Exception:
            _print_event_flow()
            raise
        _print_welcome(auth, loaded, logs)
        while not stop_requested.is_set():
            for process in processes:
                if process.exited():
                    print(f"{process.spec.name} stopped unexpectedly; see {process.log_path}", file=sys.stderr)
                    return 1
            stop_requested.wait(1)
        print("\nStopping…", flush=True)
    return 0


def _stop_on_signals() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _print_event_flow() -> None:
    """What each service published and consumed: where events stopped when the demo could not load."""
    for spec in SPECS:
        try:
            metrics = httpx.get(f"{spec.url}/metrics", timeout=5).text
        except httpx.HTTPError as error:
            print(f"{spec.name}: no metrics ({error})", file=sys.stderr)
            continue
        for line in metrics.splitlines():
            if line.startswith(("leisure_outbox_backlog", "leisure_events_published_total",
                                "leisure_events_consumed_total", "leisure_consumer_lag_seconds")):
                print(f"{spec.name}: {line}", file=sys.stderr)


def _print_welcome(auth: AuthSettings, loaded: demo.Demo, logs: Path) -> None:
    venue_id = loaded.offers[0]["venue_id"]
    tokens = {
        "coordinator (uusimaa)": mint_token(auth, Role.coordinator, "local-coordinator", region="uusimaa",
                                            ttl_seconds=12 * 3600),
        "distributor (espoo-social-office)": mint_token(
            auth, Role.distributor, "local-worker", region="uusimaa", organisation="espoo-social-office",
            ttl_seconds=12 * 3600),
        f"venue staff (venue {venue_id})": mint_token(auth, Role.venue_staff, "local-box-office",
                                                    venues=[venue_id], ttl_seconds=12 * 3600),
        "stats reader (national)": mint_token(auth, Role.stats_reader, "local-reader", national=True,
                                              ttl_seconds=12 * 3600),
    }
    print("\nLeisure Pass is running.\n")
    for spec in SPECS:
        print(f"  {spec.name:<9} {spec.url}/docs   metrics: {spec.url}/metrics")
    print(f"\nDemo data: {loaded.summary}. Service logs: {logs}/\n\nTokens (valid 12 h):")
    for role, token in tokens.items():
        print(f"  {role}:\n    {token}")
    print("\nPress Ctrl-C to stop.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
