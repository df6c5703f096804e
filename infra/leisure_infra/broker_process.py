"""A Kafka-protocol broker running as a child process that can be stopped, killed and started again."""

import subprocess
import time
from pathlib import Path
from typing import BinaryIO, ClassVar, Self


class BrokerProcess:
    """Common life cycle of the local brokers; subclasses say how to spawn one and when it is ready.

    `bootstrap_servers`, `supports_idempotence` and `kind` are all a client needs to know, so code
    written against these runs unchanged against Apache Kafka.
    """

    kind: ClassVar[str]
    supports_idempotence: ClassVar[bool]

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = Path(log_dir)
        self._process: subprocess.Popen | None = None
        self._bootstrap_servers: str | None = None

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.kind}.log"

    @property
    def bootstrap_servers(self) -> str:
        if self._bootstrap_servers is None:
            raise RuntimeError(f"the {self.kind} broker has not been started")
        return self._bootstrap_servers

    @property
    def pid(self) -> int | None:
        """The broker's process id, for fault injection (SIGSTOP/SIGCONT)."""
        return self._process.pid if self._process else None

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout: float = 20) -> Self:
        if self.is_running():
            raise RuntimeError(f"the {self.kind} broker is already running (pid {self.pid})")
        self.log_dir.mkdir(parents=True, exist_ok=True)
        # Appending keeps the log of an earlier run when a test restarts the broker.
        with self.log_path.open("ab") as log:
            self._process = self._spawn(log)
        try:
            self._bootstrap_servers = self._wait_until_ready(self._process, time.monotonic() + timeout)
        except BaseException:
            self.kill()
            raise
        return self

    def stop(self, timeout: float = 10) -> None:
        """Asks the broker to shut down, and kills it if it has not done so within `timeout`."""
        if self.is_running():
            self._process.terminate()
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._reap()

    def kill(self) -> None:
        """Ends the broker abruptly (SIGKILL), as a crash would; everything it held in memory is lost."""
        if self.is_running():
            self._process.kill()
        self._reap()

    def _reap(self) -> None:
        if self._process is None:
            return
        self._process.wait()
        for stream in (self._process.stdin, self._process.stdout):
            if stream:
                stream.close()
        self._process = None

    def _failure(self, reason: str) -> RuntimeError:
        """An error that carries the end of the broker's log, where the actual cause usually is."""
        log = self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""
        return RuntimeError(f"{self.kind} broker: {reason}; log {self.log_path}:\n{log}")

    def _spawn(self, log: BinaryIO) -> subprocess.Popen:
        raise NotImplementedError

    def _wait_until_ready(self, process: subprocess.Popen, deadline: float) -> str:
        """Waits until the broker serves Kafka clients; returns its bootstrap address."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_exc_info) -> None:
        self.stop()
