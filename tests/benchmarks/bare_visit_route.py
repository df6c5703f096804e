"""The raw baseline for visit recording: a bare FastAPI route that inserts one row with asyncpg
and commits, per request. No auth, no rules, no events. `make bench` serves it with uvicorn the
way the services are served, on a database of its own (BARE_DATABASE_URL)."""

import os
from contextlib import asynccontextmanager
from uuid import UUID, uuid4

import asyncpg
from fastapi import FastAPI
from pydantic import BaseModel

POOL_SIZE = 10  # the services' default pool size


class Visit(BaseModel):
    card_number: str
    offer_id: UUID
    tickets: int = 1
    idempotency_key: str


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.pool = await asyncpg.create_pool(os.environ["BARE_DATABASE_URL"], min_size=1, max_size=POOL_SIZE)
    await app.state.pool.execute(
        """CREATE TABLE IF NOT EXISTS visits (visit_id uuid PRIMARY KEY, card_number text NOT NULL,
               offer_id uuid NOT NULL, tickets int NOT NULL, idempotency_key text NOT NULL UNIQUE,
               recorded_at timestamptz NOT NULL DEFAULT now())""")
    yield
    await app.state.pool.close()


app = FastAPI(lifespan=lifespan)


@app.post("/visits", status_code=201)
async def record(visit: Visit) -> dict:
    visit_id = uuid4()
    await app.state.pool.execute(
        "INSERT INTO visits (visit_id, card_number, offer_id, tickets, idempotency_key) VALUES ($1, $2, $3, $4, $5)",
        visit_id, visit.card_number, visit.offer_id, visit.tickets, visit.idempotency_key)
    return {"visit_id": str(visit_id)}
