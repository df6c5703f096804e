"""`make run`: the whole platform on this machine, on embedded defaults, with demo data.

Starts PostgreSQL (unless LEISURE_DATABASE_URL names one) and the Tansu broker (unless
LEISURE_KAFKA_BOOTSTRAP_SERVERS names one), creates the topics and the service databases,
starts the services and the console, waits until all are ready, loads the demo data, prints the URLs
and a token per role, and stops everything cleanly on Ctrl-C.
"""

import os
import signal
import sys
import threading
from datetime import datetime, timezone
from pathlib import Path

import httpx

from leisure_infra import demo
from leisure_infra.local_platform import LocalPlatform, local_platform
from leisure_infra.services import SERVICES
from leisure_runtime.auth import AuthSettings, Role, mint_token
from leisure_runtime.settings import ServiceSettings

STATE_DIR = Path(os.environ.get("LEISURE_STATE_DIR", ".local"))
BROKER_PORT = int(os.environ.get("LEISURE_KAFKA_PORT", "9092"))
FIRST_SERVICE_PORT = int(os.environ.get("LEISURE_FIRST_PORT", str(SERVICES[0].port)))
DATABASE_PREFIX = os.environ.get("LEISURE_DATABASE_PREFIX", "leisure")
CONSOLE_PORT = int(os.environ.get("LEISURE_CONSOLE_PORT", str(FIRST_SERVICE_PORT - 1)))


def main() -> int:
    stop_requested = _stop_on_signals()
    with local_platform(STATE_DIR, first_port=FIRST_SERVICE_PORT, database_prefix=DATABASE_PREFIX,
                        broker_port=BROKER_PORT, console_port=CONSOLE_PORT,
                        bootstrap_servers=os.environ.get("LEISURE_KAFKA_BOOTSTRAP_SERVERS")) as platform:
        auth = AuthSettings(jwt_secret=ServiceSettings.model_fields["jwt_secret"].default)
        try:
            loaded = demo.load({name: platform.url(name) for name in platform.services}, auth)
        except Exception:
            _print_event_flow(platform)
            raise
        _print_welcome(platform, auth, loaded)
        while not stop_requested.is_set():
            for process in [*platform.services.values(), platform.console]:
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


def _print_event_flow(platform: LocalPlatform) -> None:
    """What each service published and consumed: where events stopped when the demo could not load."""
    for spec in (process.spec for process in platform.services.values()):
        try:
            metrics = httpx.get(f"{spec.url}/metrics", timeout=5).text
        except httpx.HTTPError as error:
            print(f"{spec.name}: no metrics ({error})", file=sys.stderr)
            continue
        for line in metrics.splitlines():
            if line.startswith(("leisure_outbox_backlog", "leisure_outbox_parked", "leisure_events_published_total",
                                "leisure_events_consumed_total", "leisure_consumer_lag_seconds")):
                print(f"{spec.name}: {line}", file=sys.stderr)


def _print_welcome(platform: LocalPlatform, auth: AuthSettings, loaded: demo.Demo) -> None:
    # A box office with an offer open today, so that the printed token can record a visit at once.
    now = datetime.now(timezone.utc)
    venue_id = next(offer["venue_id"] for offer in loaded.offers
                    if offer["starts_at"] is None or datetime.fromisoformat(offer["starts_at"]) <= now)
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
    print(f"  console   {platform.console.spec.url}/   staff console and public service map "
          "(sign in with a token below)")
    for spec in (process.spec for process in platform.services.values()):
        print(f"  {spec.name:<13} {spec.url}/docs   metrics: {spec.url}/metrics")
    print(f"\nEvents (AsyncAPI 3.0): {platform.url('integrations')}/asyncapi.yaml; integrators: docs/integrators.md")
    print(f"\nDemo data: {loaded.summary}. Service logs: {STATE_DIR / 'logs'}/\n\nTokens (valid 12 h):")
    for role, token in tokens.items():
        print(f"  {role}:\n    {token}")
    print("\nPress Ctrl-C to stop.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
