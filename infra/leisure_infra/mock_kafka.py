"""librdkafka's mock cluster (from the `confluent-kafka` wheel) as a broker of its own.

The mock cluster lives inside the librdkafka client that asked for it, so it runs in a child
process, which makes killing it look like losing a broker. `python -m leisure_infra.mock_kafka`
prints the bootstrap address as one line and serves until its stdin closes or it gets SIGTERM.

The mock supports the idempotent producer, transactions, consumer groups and commits, but not
CreateTopics: topics appear, with the mock's default partition count (4), when a client first asks
for their metadata or produces to them. A new group's first join takes 3 s. A group of several
members is unreliable: when the leader's SyncGroup arrives before a follower's, the mock answers
the follower with INVALID_REQUEST and aiokafka gives up on that member.
"""

import select
import subprocess
import sys
import time
from typing import BinaryIO

from confluent_kafka.admin import AdminClient

from leisure_infra.broker_process import BrokerProcess


class MockKafkaBroker(BrokerProcess):
    """The mock cluster in a child process. It picks its own port, so a restart changes the address."""

    kind = "mock"
    supports_idempotence = True

    def _spawn(self, log: BinaryIO) -> subprocess.Popen:
        # Our end of stdin stays open for the child's lifetime; if this process dies, so does the mock.
        return subprocess.Popen(
            [sys.executable, "-m", "leisure_infra.mock_kafka"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
        )

    def _wait_until_ready(self, process: subprocess.Popen, deadline: float) -> str:
        readable, _, _ = select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if not readable:
            raise self._failure("printed no bootstrap address in time")
        address = process.stdout.readline().decode().strip()
        if not address:
            raise self._failure(f"exited with code {process.wait()} while starting")
        return address


def main() -> None:
    # No SIGTERM handler on purpose: librdkafka's threads may take the signal, and then a Python
    # handler would wait for the blocked stdin read. The default action ends the process at once.
    admin = AdminClient({"test.mock.num.brokers": 1})
    brokers = admin.list_topics(timeout=5).brokers.values()
    print(",".join(f"{broker.host}:{broker.port}" for broker in brokers), flush=True)
    sys.stdin.read()  # returns when the parent closes our stdin or exits


if __name__ == "__main__":
    main()
