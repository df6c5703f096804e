"""The production compose file cannot run here (no Docker engine), so its shape is checked: the
broker's log on the volume, topics provisioned before the services start, token issuer and
audience, a database role per service, ports on loopback only, and services that scale out."""

import os
import re
import subprocess
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
import yaml

from leisure_infra.services import SERVICES

REPOSITORY = Path(__file__).resolve().parents[2]
PRODUCTION = REPOSITORY / "infra" / "production"
APPLICATIONS = tuple(spec.name for spec in SERVICES)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((PRODUCTION / "compose.yaml").read_text())["services"]


def test_the_broker_keeps_its_log_on_the_volume_and_creates_no_topic_by_accident(compose):
    kafka = compose["kafka"]
    [mount] = kafka["volumes"]
    volume, path = mount.split(":")[:2]
    assert kafka["environment"]["KAFKA_LOG_DIRS"] == path
    assert volume in yaml.safe_load((PRODUCTION / "compose.yaml").read_text())["volumes"]
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"


def test_topics_are_provisioned_before_any_service_starts(compose):
    topics = compose["topics"]
    assert topics["command"][:3] == ["python", "-m", "leisure_runtime.topics"]
    assert topics["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in APPLICATIONS:
        assert compose[name]["depends_on"]["topics"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", APPLICATIONS)
def test_each_service_has_its_image_identity_and_own_database_role(compose, name):
    service, prefix = compose[name], name.upper()
    assert service["build"]["args"]["SERVICE"] == name
    environment = service["environment"]
    for variable in ("JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE"):
        assert environment[f"{prefix}_{variable}"] == f"${{{variable}:?}}"
    database_url = environment[f"{prefix}_DATABASE_URL"]
    assert re.fullmatch(rf"postgresql://{name}:\$\{{{prefix}_DB_PASSWORD\}}@postgres/{name}", database_url)
    assert f"{prefix}_DB_PASSWORD" in compose["postgres"]["environment"]


def test_ports_are_bound_to_loopback_and_services_scale_without_fixed_host_ports(compose):
    for name, service in compose.items():
        assert "container_name" not in service, name
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond this host"
            if name in APPLICATIONS:
                assert port == "127.0.0.1::8000", f"{name}: a fixed host port stops `--scale {name}=2`"


def test_usage_and_stats_run_replicas_by_default(compose):
    # As the scale-out tests run them: two usage behind one address, two stats in one group.
    for name in ("usage", "stats"):
        replicas = compose[name]["deploy"]["replicas"]
        assert re.fullmatch(rf"\$\{{{name.upper()}_REPLICAS:-2\}}", replicas), f"{name}: {replicas}"


def test_prometheus_loads_the_alert_rules_and_finds_every_replica(compose):
    prometheus = yaml.safe_load((PRODUCTION / "prometheus.yml").read_text())
    mounted = {mount.split(":")[1] for mount in compose["prometheus"]["volumes"]}
    assert set(prometheus["rule_files"]) <= mounted
    jobs = {job["job_name"]: job for job in prometheus["scrape_configs"]}
    assert set(jobs) == set(APPLICATIONS)
    for name, job in jobs.items():
        assert job["dns_sd_configs"] == [{"names": [name], "type": "A", "port": 8000}]


async def test_the_init_script_gives_each_service_a_role_that_owns_only_its_database(postgres_server):
    """Run for real against this machine's PostgreSQL, under names of the test's own."""
    suffix = uuid4().hex[:8]
    script = re.sub(rf"\b({'|'.join(APPLICATIONS)})\b", rf"\1_{suffix}",
                    (PRODUCTION / "init-databases.sql").read_text())
    env = {**os.environ, **{f"{name.upper()}_DB_PASSWORD": f"pw-{name}" for name in APPLICATIONS}}
    admin = postgres_server.admin_dsn
    try:
        result = subprocess.run(["psql", "-v", "ON_ERROR_STOP=1", "-q", admin], input=script, text=True, env=env,
                                capture_output=True)
        assert result.returncode == 0, result.stderr
        await _check_roles(postgres_server, suffix)
    finally:
        for name in APPLICATIONS:
            for statement in (f'DROP DATABASE IF EXISTS "{name}_{suffix}"', f'DROP ROLE IF EXISTS "{name}_{suffix}"'):
                subprocess.run(["psql", "-q", admin, "-c", statement], capture_output=True)


async def _check_roles(postgres_server, suffix: str) -> None:
    usage_dsn = _as(postgres_server.dsn(f"usage_{suffix}"), f"usage_{suffix}")
    conn = await asyncpg.connect(usage_dsn)
    try:
        await conn.execute("CREATE TABLE migrated_here (id integer)")  # the owner migrates its schema
        assert not await conn.fetchval("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    finally:
        await conn.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await asyncpg.connect(_as(postgres_server.dsn(f"stats_{suffix}"), f"usage_{suffix}"))


def _as(dsn: str, role: str) -> str:
    return re.sub(r"//[^@/]*@", f"//{role}@", dsn) if "@" in dsn else dsn.replace("//", f"//{role}@", 1)
