"""The service's PostgreSQL pool and its SQL migrations.

Migrations are plain `NNN_name.sql` files applied in order, each in its own transaction, and
recorded per component (the runtime's own tables first, then the service's). An advisory lock
keeps two instances starting together from applying the same file twice.
"""

import re
from pathlib import Path

import asyncpg

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_FILE = re.compile(r"^(\d+)_[\w-]+\.sql$")
_MIGRATION_LOCK = 0x4C50_4D49  # any constant shared by every instance of every service


async def create_pool(database_url: str, size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(database_url, min_size=1, max_size=size)


def _migration_files(directory: Path) -> list[tuple[int, Path]]:
    files = sorted((int(m.group(1)), path) for path in directory.glob("*.sql") if (m := _MIGRATION_FILE.match(path.name)))
    versions = [version for version, _ in files]
    if len(set(versions)) != len(versions):
        # Two branches that each added "their" next migration: only one of them would ever run.
        raise ValueError(f"two migrations share a version number in {directory}: "
                         f"{[path.name for version, path in files if versions.count(version) > 1]}")
    return files


async def apply_migrations(pool: asyncpg.Pool, component: str, directory: Path) -> list[str]:
    """Apply the component's migrations not yet recorded; return the names of those applied."""
    applied: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
        try:
            await conn.execute(
                """CREATE TABLE IF NOT EXISTS schema_migrations (
                       component text NOT NULL,
                       version integer NOT NULL,
                       name text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now(),
                       PRIMARY KEY (component, version))"""
            )
            done = {row["version"] for row in await conn.fetch(
                "SELECT version FROM schema_migrations WHERE component = $1", component)}
            for version, path in _migration_files(directory):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(path.read_text())
                    await conn.execute(
                        "INSERT INTO schema_migrations (component, version, name) VALUES ($1, $2, $3)",
                        component, version, path.name,
                    )
                applied.append(path.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
    return applied
