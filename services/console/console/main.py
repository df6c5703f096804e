"""The console: static front end and one-origin proxy to the services. `uvicorn console.main:app`."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from console.adapters import api, sign_in_api
from console.adapters.metrics import ConsoleMetrics
from console.settings import ConsoleSettings
from leisure_runtime.app import RequestContextMiddleware
from leisure_runtime.errors import Refusal
from leisure_runtime.logging import configure_logging, get_logger

STATIC = Path(__file__).parent / "static"
# Scripts, styles and data from this origin only: a token in the page cannot be sent elsewhere.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
log = get_logger(__name__)


def create_app(settings: ConsoleSettings | None = None, transport: httpx.AsyncBaseTransport | None = None) -> FastAPI:
    settings = settings or ConsoleSettings()
    metrics = ConsoleMetrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging("console", settings.log_level)
        async with httpx.AsyncClient(timeout=settings.upstream_timeout_seconds, transport=transport) as client:
            app.state.client = client
            log.info("console started", upstreams=settings.upstreams())
            yield
        log.info("console stopped")

    app = FastAPI(title="Leisure Pass — console",
                  description="Staff web console and public service map; `/api/<service>/v1/…` reaches the services.",
                  lifespan=lifespan)
    app.state.settings = settings
    app.state.metrics = metrics
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    app.add_exception_handler(Refusal, _refusal)
    app.include_router(api.router)
    app.include_router(sign_in_api.router)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    app.mount("/", StaticFiles(directory=STATIC, html=True), name="front-end")
    return app


async def _refusal(_request: Request, error: Refusal) -> JSONResponse:
    return JSONResponse(status_code=error.status, content={"code": error.code, "detail": error.message})


app = create_app()
