"""The FastAPI app factory every service uses: health, readiness, metrics, logging, and the clean
start and stop of the database pool, the Kafka connection, the outbox relay and the consumers."""

import asyncio
import contextlib
import gc
import logging
import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol
from pathlib import Path

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

from leisure_contracts.asyncapi import ASYNCAPI_FILE
from leisure_runtime.auth import AuthSettings, TokenVerifier
from leisure_runtime.consumer import IdempotentConsumer
from leisure_runtime.errors import Refusal
from leisure_runtime.database import RUNTIME_MIGRATIONS, apply_migrations, create_pool
from leisure_runtime.event_store import ConcurrencyConflict, EventStore
from leisure_runtime.input_screening import InputScreening
from leisure_runtime.logging import configure_logging, get_logger
from leisure_runtime.metrics import PREFIX, RuntimeMetrics
from leisure_runtime.outbox import OutboxRelay
from leisure_runtime.settings import ServiceSettings
from leisure_runtime.web import REFUSALS, HttpGuards, http_refusal, invalid_request, refusal

log = get_logger(__name__)
READY_TIMEOUT_SECONDS = 2.0


@dataclass
class ServiceDefinition:
    """What makes one service: its name, configuration, tables, API and subscriptions."""

    settings: ServiceSettings
    title: str
    description: str
    migrations: Path | None = None
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[IdempotentConsumer] = ()
    publishes_events: bool = True
    metrics: RuntimeMetrics | None = None
    readiness_checks: Mapping[str, Callable[[FastAPI], Awaitable[bool]]] = field(default_factory=dict)
    """Checks beyond database and broker, by name, e.g. a projection that is far behind."""
    tags: list[dict] = field(default_factory=list)


def create_service_app(service: ServiceDefinition) -> FastAPI:
    settings = service.settings
    metrics = service.metrics or RuntimeMetrics(settings.service_name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.refuse_public_secrets()
        configure_logging(settings.service_name, settings.log_level)
        pool = await create_pool(settings.database_url, settings.database_pool_size)
        await apply_migrations(pool, "runtime", RUNTIME_MIGRATIONS)
        if service.migrations is not None:
            await apply_migrations(pool, settings.service_name, service.migrations)
        broker = KafkaBroker(
            settings.kafka_bootstrap_servers,
            client_id=settings.service_name,
            # Through our JSON logging, and each message's "Received"/"Processed" only at DEBUG:
            # at INFO they were two plain-text lines per event, most of a consumer's log and CPU.
            logger=logging.getLogger("faststream"),
            log_level=logging.DEBUG,
            middlewares=[KafkaPrometheusMiddleware(registry=metrics.registry, app_name=settings.service_name,
                                                   metrics_prefix=PREFIX)],
        )
        for consumer in service.consumers:
            consumer.subscribe(
                broker, pool, metrics,
                session_timeout_ms=settings.kafka_session_timeout_ms,
                heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            )
        app.state.pool = pool
        app.state.broker = broker
        await broker.start()
        producer, relay_task = None, None
        if service.publishes_events:
            producer = AIOKafkaProducer(
                bootstrap_servers=settings.kafka_bootstrap_servers,
                client_id=f"{settings.service_name}-relay",
                acks="all",
                enable_idempotence=settings.kafka_idempotent_producer,
                linger_ms=5,
            )
            await producer.start()
            app.state.relay = OutboxRelay(
                pool, producer, source=f"/leisure-pass/{settings.service_name}", metrics=metrics,
                batch_size=settings.relay_batch_size, poll_interval=settings.relay_poll_interval_seconds,
                parked_retry_interval=settings.relay_parked_retry_seconds,
            )
            relay_task = asyncio.create_task(app.state.relay.run(), name="outbox-relay")
        # What is loaded by now lives as long as the process. Out of the collector's sight, a full
        # collection no longer walks its ~90,000 objects (about 60 ms) every few thousand requests
        # or events (measured in stats: ~20% of the projection's time).
        gc.freeze()
        log.info("service started", port=settings.http_port)
        try:
            yield
        finally:
            if relay_task is not None:
                relay_task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relay_task
            if producer is not None:
                await producer.stop()
            await broker.stop()
            await pool.close()
            log.info("service stopped")

    app = FastAPI(title=service.title, description=service.description, lifespan=lifespan,
                  openapi_tags=service.tags or None)
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.event_store = EventStore(max_event_bytes=settings.event_max_bytes)
    app.state.token_verifier = TokenVerifier(AuthSettings(
        jwt_secret=settings.jwt_secret, issuer=settings.jwt_issuer, audience=settings.jwt_audience,
        jwks_url=settings.jwks_url, jwks_cache_seconds=settings.jwks_cache_seconds,
    ))
    app.add_middleware(InputScreening)  # inside the request context: its 422s are logged and counted
    app.add_middleware(HttpGuards, max_body_bytes=settings.request_max_bytes)  # outside it: refuses before reading
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.add_exception_handler(ConcurrencyConflict, _conflict)
    app.add_exception_handler(Refusal, refusal)
    app.add_exception_handler(StarletteHTTPException, http_refusal)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.include_router(_operations_router(service.readiness_checks))
    for router in service.routers:
        app.include_router(router, responses=REFUSALS)
    return app


async def _conflict(_request: Request, error: ConcurrencyConflict) -> JSONResponse:
    return JSONResponse(status_code=409, content={"code": "concurrent_change", "detail": str(error)})


def _operations_router(readiness_checks: Mapping[str, Callable[[FastAPI], Awaitable[bool]]]) -> APIRouter:
    router = APIRouter(tags=["operations"])
    asyncapi_text = ASYNCAPI_FILE.read_text()

    @router.get("/health", summary="Liveness: the process answers")
    async def health() -> dict:
        return {"status": "ok"}

    @router.get("/ready", summary="Readiness: the database and the broker are reachable")
    async def ready(request: Request) -> JSONResponse:
        checks = {
            "database": await _database_reachable(request.app.state.pool),
            "broker": await request.app.state.broker.ping(READY_TIMEOUT_SECONDS),
        }
        for name, check in readiness_checks.items():
            checks[name] = await check(request.app)
        ok = all(checks.values())
        content = {"status": "ready" if ok else "not ready",
                   "checks": {name: "ok" if passed else "failing" for name, passed in checks.items()}}
        # Parked events do not make the service unready: it still takes requests and relays other keys.
        relay = getattr(request.app.state, "relay", None)
        if relay is not None and checks["database"]:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                async with asyncio.timeout(READY_TIMEOUT_SECONDS):
                    content["outbox"] = await relay.parked()
        return JSONResponse(status_code=200 if ok else 503, content=content)

    @router.get("/asyncapi.yaml", summary="AsyncAPI 3.0 document of every topic and event type",
                response_class=Response)
    async def asyncapi() -> Response:
        return Response(asyncapi_text, media_type="application/yaml")

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return router


async def _database_reachable(pool: asyncpg.Pool) -> bool:
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            return await pool.fetchval("SELECT 1") == 1
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
        return False


# A caller's request id is echoed and logged only if it is printable ASCII: HTTP lets a header carry
# any bytes, and an id is for finding log lines, not for carrying text.
_READABLE_REQUEST_ID = re.compile(rb"[!-~]+")


class RequestContextMiddleware:
    """Binds a request id to every log line of the request and records RED metrics by route
    template (never by raw path, which would carry ids). Plain ASGI: this sits on the hot path."""

    def __init__(self, app, metrics: RuntimeMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope["headers"]).get(b"x-request-id", b"")[:64]
        request_id = given.decode() if _READABLE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_request_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            method = scope["method"]
            self.metrics.http_requests(method, template, str(status)).inc()
            self.metrics.http_duration(method, template).observe(time.perf_counter() - started)


class BackgroundWork(Protocol):
    def start(self) -> None: ...

    async def stop(self) -> None: ...


def run_beside(app: FastAPI, work: Callable[[FastAPI], BackgroundWork]) -> None:
    """Run a service's own background work (a dispatcher, a sweep) while the app runs: made once
    the runtime's pool and broker are up, stopped before they go."""
    runtime_lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with runtime_lifespan(app):
            running = work(app)
            running.start()
            try:
                yield
            finally:
                await running.stop()

    app.router.lifespan_context = lifespan
