"""The console's own routes: the proxy to the services, what the front end needs to start, and
the operator's health, readiness and metrics. Signing in: `sign_in_api`."""

import asyncio

import httpx
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from console.application.forwarding import Unreachable, forward
from console.domain.routing import FORWARDED_REQUEST_HEADERS, forwarded, target
from console.domain.vocabulary import vocabulary

router = APIRouter()
READY_TIMEOUT_SECONDS = 2.0


@router.api_route("/api/{service}/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                  tags=["proxy"], summary="Passed on to the service's /v1 API with the caller's token")
async def proxy(service: str, path: str, request: Request) -> Response:
    state = request.app.state
    where = target(state.settings.upstreams(), service, path, request.url.query)
    headers = forwarded(request.headers.items(), FORWARDED_REQUEST_HEADERS)
    # The service logs under the console's request id: one id finds both sides of a request.
    headers["x-request-id"] = structlog.contextvars.get_contextvars()["request_id"]
    try:
        answer = await forward(state.client, where, request.method, headers, await request.body())
    except Unreachable:
        state.metrics.upstream_unreachable(service).inc()
        raise
    state.metrics.upstream_answers(service, str(answer.status)).inc()
    return Response(answer.body, status_code=answer.status, headers=answer.headers)


@router.get("/console/config.json", tags=["console"], summary="Vocabulary and sign-in settings for the front end")
async def config(request: Request) -> dict:
    settings = request.app.state.settings
    return {"vocabulary": vocabulary(), "oidc": {"enabled": settings.sign_in_configured}}


@router.get("/health", tags=["operations"], summary="Liveness: the process answers")
async def health() -> dict:
    return {"status": "ok"}


@router.get("/ready", tags=["operations"], summary="Readiness: every service behind the console answers /health")
async def ready(request: Request) -> JSONResponse:
    upstreams = request.app.state.settings.upstreams()
    results = await asyncio.gather(*(_alive(request.app.state.client, url) for url in upstreams.values()))
    checks = dict(zip(upstreams, results))
    ok = all(checks.values())
    return JSONResponse(status_code=200 if ok else 503,
                        content={"status": "ready" if ok else "not ready",
                                 "checks": {name: "ok" if alive else "failing" for name, alive in checks.items()}})


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _alive(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/health", timeout=READY_TIMEOUT_SECONDS)).status_code == 200
    except httpx.HTTPError:
        return False
