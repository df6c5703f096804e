"""The services as separate processes, for the local runner and the cross-service tests."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICES = (
    ServiceSpec("issuance", 8001),
    ServiceSpec("venues", 8002),
    ServiceSpec("usage", 8003),
    ServiceSpec("stats", 8004),
    ServiceSpec("integrations", 8005),
    ServiceSpec("notifications", 8006),
)
CONSOLE = ServiceSpec("console", 8000)
"""The staff web console and public service map: in front of the services, not one of them."""


@dataclass
class ServiceProcess:
    spec: ServiceSpec
    environment: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, init=False)

    def start(self) -> None:
        env = {**os.environ, **self.environment}
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", f"{self.spec.name}.main:app",
             "--host", "127.0.0.1", "--port", str(self.spec.port), "--no-access-log"],
            env=env, stdout=self._log, stderr=subprocess.STDOUT,
        )

    def is_ready(self) -> bool:
        try:
            return httpx.get(f"{self.spec.url}/ready", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    def stop(self, timeout: float = 15) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


def service_environment(
    spec: ServiceSpec, database_url: str, bootstrap_servers: str, idempotent_producer: bool,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    prefix = spec.name.upper()
    return {
        # Every process started from here is local: the public development secrets are allowed.
        f"{prefix}_ENVIRONMENT": "local",
        f"{prefix}_DATABASE_URL": database_url,
        f"{prefix}_KAFKA_BOOTSTRAP_SERVERS": bootstrap_servers,
        f"{prefix}_KAFKA_IDEMPOTENT_PRODUCER": str(idempotent_producer).lower(),
        f"{prefix}_HTTP_PORT": str(spec.port),
        **{f"{prefix}_{name}": value for name, value in (extra or {}).items()},
    }


def console_environment(upstreams: dict[str, str]) -> dict[str, str]:
    """The console's settings: the URL of each service it passes requests on to."""
    return {f"CONSOLE_{name.upper()}_URL": url for name, url in upstreams.items()}


def wait_until_ready(processes: list[ServiceProcess], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(processes)
    while waiting:
        for service in list(waiting):
            if service.exited():
                raise RuntimeError(
                    f"{service.spec.name} exited with code {service.process.returncode}; "
                    f"see {service.log_path}:\n{service.log_path.read_text()[-3000:]}"
                )
            if service.is_ready():
                waiting.remove(service)
        if waiting and time.monotonic() > deadline:
            names = ", ".join(s.spec.name for s in waiting)
            raise TimeoutError(f"not ready after {timeout:.0f} s: {names}; logs in {waiting[0].log_path.parent}")
        time.sleep(0.3)
