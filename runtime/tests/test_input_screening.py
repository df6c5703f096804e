"""Input no service can store is refused with a 422 naming where it is, before any route runs; all
other input reaches the route unchanged."""

import json

import httpx
import pytest
from fastapi import FastAPI, Request

from leisure_runtime.input_screening import InputScreening

app = FastAPI()
app.add_middleware(InputScreening)
reached = []


@app.api_route("/echo/{item}", methods=["GET", "POST", "PUT", "PATCH"])
async def echo(item: str, request: Request) -> dict:
    reached.append(item)
    return {"item": item, "query": str(request.query_params), "body": (await request.body()).decode("utf-8", "replace")}


@pytest.fixture
async def client():
    reached.clear()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        yield client


def raw_json(text: str) -> dict:
    return {"content": text.encode("utf-8", "surrogatepass"), "headers": {"Content-Type": "application/json"}}


def refused_at(response, location: list) -> str:
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["loc"] == location and problem["type"] == "unstorable_input"
    assert reached == [], "the route ran"
    return problem["msg"]


async def test_a_nul_in_the_query_string_is_refused(client):
    assert "NUL" in refused_at(await client.get("/echo/a?q=ab%00c"), ["query"])


async def test_a_nul_in_the_path_is_refused(client):
    assert "NUL" in refused_at(await client.get("/echo/a%00b"), ["path"])


@pytest.mark.parametrize("text, location", [
    ('{"name": {"fi": "a\\u0000b"}}', ["body", "name", "fi"]),
    ('{"criteria": ["ok", "\\u0000"]}', ["body", "criteria", 1]),
    ('{"bad\\u0000key": 1}', ["body"]),
])
async def test_a_nul_anywhere_in_a_json_body_is_refused_where_it_is(client, text, location):
    assert "NUL" in refused_at(await client.post("/echo/a", **raw_json(text)), location)


@pytest.mark.parametrize("text", ['{"name": "\\ud800"}', '{"name": "x\\udc00y"}', '{"name": "\\ude00\\ud83d"}'])
async def test_a_lone_surrogate_is_refused(client, text):
    assert "surrogate" in refused_at(await client.put("/echo/a", **raw_json(text)), ["body", "name"])


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_nan_and_infinity_are_refused(client, constant):
    message = refused_at(await client.patch("/echo/a", **raw_json(f'{{"tickets": {constant}}}')), ["body"])
    assert constant in message


async def test_the_refusal_does_not_repeat_the_value(client):
    response = await client.post("/echo/a", **raw_json('{"name": "010190-123A\\u0000"}'))
    assert response.status_code == 422 and "010190" not in response.text


@pytest.mark.parametrize("text", [
    '{"name": "\\ud83d\\ude00 and \\u00e4"}',  # a surrogate pair (an emoji) and an escaped ä
    '{"name": "a literal \\\\u0000, backslash escaped"}',
    '{"name": "NaN", "other": "Infinity"}',  # words, not numbers
    '{"name": "Tervetuloa \u00e4\u00f6"}',
])
async def test_valid_json_reaches_the_route_unchanged(client, text):
    response = await client.post("/echo/a", **raw_json(text))
    assert response.status_code == 200 and response.json()["body"] == text
    assert reached == ["a"]


async def test_a_body_that_is_not_json_is_left_to_the_route(client):
    for body in (b"{not json \\u0000", b'{"name": "\xff"}'):
        response = await client.post("/echo/a", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 200 and response.json()["body"] == body.decode("utf-8", "replace")


async def test_a_body_declared_as_something_else_is_not_read(client):
    response = await client.post("/echo/a", content=b'{"a": "\\u0000"}', headers={"Content-Type": "text/plain"})
    assert response.status_code == 200


async def test_a_body_of_no_declared_type_is_screened_as_json(client):
    refused_at(await client.post("/echo/a", content=b'{"a": "\\u0000"}'), ["body", "a"])


async def test_a_body_sent_in_parts_reaches_the_route_whole(client):
    def streamed(*parts):
        async def stream():
            for part in parts:
                yield part
        return stream()

    parts = [b'{"name": ', b'"\\u00e4', b'bc"}']
    response = await client.post("/echo/a", content=streamed(*parts), headers={"Content-Type": "application/json"})
    assert response.status_code == 200 and response.json()["body"] == b"".join(parts).decode()
    refused = await client.post("/echo/a", content=streamed(b'{"name": "\\u', b'0000"}'),
                                headers={"Content-Type": "application/json"})
    assert refused.status_code == 422 and json.loads(refused.text)["detail"][0]["loc"] == ["body", "name"]
