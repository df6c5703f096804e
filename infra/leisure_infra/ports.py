"""Free TCP ports on loopback for what tests, the benchmark and the runner start.

A port the kernel hands out for `bind(0)` comes from its ephemeral range, which it also uses for
the local end of every outgoing connection: between picking such a port and the service binding
it (seconds, for a service starting), a connection to PostgreSQL or the broker can take it, and
the service fails with "address already in use". Ports are picked below that range instead.
"""

import random
import socket
from pathlib import Path

HOST = "127.0.0.1"
LOWEST = 10_000
_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")


def free_port() -> int:
    return free_port_block(1)


def free_port_block(size: int) -> int:
    """The first of `size` consecutive ports that are free now."""
    below = _first_ephemeral_port()
    # With an unusual range that leaves no room below it, any unprivileged port has to do.
    low, high = (LOWEST, below) if below - size > LOWEST else (1_024, 65_000)
    for _ in range(200):
        first = random.randrange(low, high - size)
        if all(is_free(first + n) for n in range(size)):
            return first
    raise RuntimeError(f"no {size} consecutive free ports between {low} and {high}")


def _first_ephemeral_port() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768  # Linux's default


def is_free(port: int) -> bool:
    """Whether a server could listen on the port now. Connections a server closed linger in
    TIME_WAIT on its port for a minute; servers bind with SO_REUSEADDR past them, and so does this."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
            return True
        except OSError:
            return False
