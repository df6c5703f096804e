"""The PostgreSQL helper gives each test a database of its own and drops it, connections and all."""

import asyncpg
import pytest

from leisure_infra.postgres import PostgresServer, unique_database_name


def test_a_database_dsn_keeps_the_server_and_swaps_the_database():
    socket_server = PostgresServer("postgresql://postgres:@/postgres?host=/tmp/pg")
    assert socket_server.dsn("lp_x") == "postgresql://postgres:@/lp_x?host=/tmp/pg"
    tcp_server = PostgresServer("postgresql://postgres@127.0.0.1:5432/postgres")
    assert tcp_server.dsn("lp_x") == "postgresql://postgres@127.0.0.1:5432/lp_x"
    with pytest.raises(ValueError):
        tcp_server.dsn('x"; DROP DATABASE postgres; --')


def test_database_names_differ_between_calls():
    assert unique_database_name() != unique_database_name()
    assert unique_database_name("lp_demo").startswith("lp_demo_")


async def database_exists(server: PostgresServer, name: str) -> bool:
    connection = await asyncpg.connect(server.admin_dsn)
    try:
        return await connection.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name) == 1
    finally:
        await connection.close()


@pytest.mark.integration
async def test_a_database_is_created_used_and_dropped_while_still_connected(postgres_server):
    name = unique_database_name()
    dsn = postgres_server.create_database(name)
    connection = await asyncpg.connect(dsn)
    try:
        assert await connection.fetchval("SELECT current_database()") == name
        await connection.execute("CREATE TABLE t (n int); INSERT INTO t VALUES (1)")
        postgres_server.drop_database(name)
        assert not await database_exists(postgres_server, name)
    finally:
        await connection.close()

    assert postgres_server.recreate_database(name) == dsn
    postgres_server.drop_database(name)
    postgres_server.drop_database(name)  # dropping twice is fine


@pytest.mark.integration
async def test_fresh_database_is_empty_and_its_own(fresh_database, database_factory):
    other = database_factory()
    assert other != fresh_database
    for dsn in (fresh_database, other):
        connection = await asyncpg.connect(dsn)
        try:
            assert await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        finally:
            await connection.close()


@pytest.mark.integration
def test_the_configured_server_is_taken_and_a_wrong_one_is_refused(postgres_server, monkeypatch, tmp_path):
    monkeypatch.setenv("LEISURE_DATABASE_URL", postgres_server.admin_dsn)
    assert PostgresServer.from_environment(tmp_path / "pgdata").admin_dsn == postgres_server.admin_dsn
    monkeypatch.setenv("LEISURE_DATABASE_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    with pytest.raises(RuntimeError, match="LEISURE_DATABASE_URL"):
        PostgresServer.from_environment(tmp_path / "pgdata")
