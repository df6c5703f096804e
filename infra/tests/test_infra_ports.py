"""Ports for the services tests start: free, and never where the kernel picks the local end of an
outgoing connection, which could take the port before the service binds it."""

import socket

from leisure_infra.ports import HOST, LOWEST, free_port_block, is_free


def ephemeral_range() -> tuple[int, int]:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as file:
        low, high = map(int, file.read().split())
    return low, high


def test_a_block_lies_below_the_ephemeral_range_and_every_port_of_it_binds():
    low, _ = ephemeral_range()
    for _ in range(20):
        first = free_port_block(5)
        assert LOWEST <= first and first + 5 <= low
        for port in range(first, first + 5):
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_given():
    taken = []
    try:
        for _ in range(50):
            port = free_port_block(1)
            sock = socket.socket()
            sock.bind(("127.0.0.1", port))
            sock.listen()
            taken.append(sock)
        assert len({sock.getsockname()[1] for sock in taken}) == 50
    finally:
        for sock in taken:
            sock.close()


def test_a_port_is_taken_while_a_server_listens_and_free_once_it_stopped_past_its_closed_connections():
    server = socket.create_server((HOST, 0))
    port = server.getsockname()[1]
    client = socket.create_connection((HOST, port))
    accepted, _ = server.accept()
    assert not is_free(port)
    accepted.close()  # the server closes first: its end lingers in TIME_WAIT on the port
    client.close()
    server.close()
    assert is_free(port)
