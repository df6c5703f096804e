"""Usage demo data: visits on the demo cards at the demo offers that accept them, on days of the last
four weeks when the card was valid and the offer open (entered later from paper) and today, one
cancelled visit, and a reward earned on a card whose programme has a reward rule. Recorded through
the usage API as venue staff would.
"""

import random
import time
from datetime import date, datetime, time as clock_time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx

from leisure_runtime.auth import AuthSettings, Role, mint_token

WAIT_SECONDS = 90
SPREAD_DAYS = 28
"""Visits entered later go this many days back: within usage's 30 days."""
TODAY_SHARE = 0.2
"""Of the visits, about this share happens today, recorded as it happens."""
LOCAL = ZoneInfo("Europe/Helsinki")


def load(usage_url: str, auth: AuthSettings, cards: list[dict], offers: list[dict], summary: dict) -> None:
    """Wait until usage knows the cards and offers, then record the visits; add the counts to `summary`."""
    rng = random.Random(2026)
    coordinator = mint_token(auth, Role.coordinator, "demo-coordinator", national=True)
    with httpx.Client(base_url=usage_url, timeout=10) as client:
        _wait_until_known(client, cards, offers, coordinator)
        places = {o["offer_id"]: o.get("quota") for o in offers}
        today = datetime.now(LOCAL).date()
        recorded, rewards = [], 0
        rewarded_card = next((c for c in cards if c.get("reward_rule")), None)
        for card in cards:
            wanted = rewarded_card["reward_rule"]["every_visits"] if card is rewarded_card else rng.randint(0, 4)
            usable = [o for o in offers if _accepts(o, card) and _days_open(card, o, today)]
            made = 0
            for _ in range(2 * wanted):  # a refused attempt (say, a withdrawn offer) tries another offer
                open_offers = [o for o in usable if places[o["offer_id"]] is None or places[o["offer_id"]] > 0]
                if made == wanted or not open_offers:
                    break
                offer = rng.choice(open_offers)
                answer = _record(client, auth, card, offer, rng, places[offer["offer_id"]], today)
                if answer is not None:
                    made += 1
                    places[offer["offer_id"]] = answer["places_left"]
                    recorded.append((card, offer, answer))
                    rewards += answer["reward"] is not None
        cancelled = _cancel_one(client, auth, [r for r in recorded if r[0] is not rewarded_card])
    days = {datetime.fromisoformat(answer["visit"]["occurred_at"]).astimezone(LOCAL).date()
            for _card, _offer, answer in recorded}
    summary.update(visits=len(recorded), visit_days=len(days), visits_cancelled=cancelled, rewards_earned=rewards)


def _wait_until_known(client: httpx.Client, cards: list[dict], offers: list[dict], token: str) -> None:
    """Usage learns of cards and offers from their topics: wait (bounded) until it has them all."""
    paths = [f"/v1/cards/{c['card_id']}/reward-progress" for c in cards] + \
            [f"/v1/offers/{o['offer_id']}/places" for o in offers]
    deadline = time.monotonic() + WAIT_SECONDS
    for path in paths:
        while (status := _get_status(client, path, token)) == 404:
            if time.monotonic() > deadline:
                raise RuntimeError(f"demo data: usage has not learnt {path} within {WAIT_SECONDS} s")
            time.sleep(0.5)
        if status != 200:
            raise RuntimeError(f"demo data: GET {path} answered {status}")


def _get_status(client: httpx.Client, path: str, token: str) -> int:
    return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code


def _accepts(offer: dict, card: dict) -> bool:
    return (card["programme_id"] in offer["accepted_programmes"]
            and card["home_region"] in offer["accepted_regions"]
            and offer["region"] in card["accepted_regions"])


def _record(client: httpx.Client, auth: AuthSettings, card: dict, offer: dict, rng: random.Random,
            places_left: int | None, today: date) -> dict | None:
    """Record a visit on a day when the card was valid and the offer open; None if usage refuses."""
    first, last = _days_open(card, offer, today)
    # Now and then a visit happening today, recorded as it happens; else one entered later from paper.
    day = today if last == today and rng.random() < TODAY_SHARE else \
        first + timedelta(days=rng.randint(0, (last - first).days))
    most = min(1 + card["children_allowance"], offer["max_tickets_per_visit"],
               places_left if places_left is not None else 1 + card["children_allowance"])
    body = {"card_number": card["card_number"], "offer_id": offer["offer_id"], "tickets": rng.randint(1, most),
            "idempotency_key": uuid4().hex}
    if day < today:  # entered later from paper, at an hour the venue was open
        body["occurred_at"] = datetime.combine(day, clock_time(rng.randint(9, 19), rng.choice((0, 15, 30, 45))),
                                               LOCAL).isoformat()
    staff = mint_token(auth, Role.venue_staff, "demo-box-office", venues=[offer["venue_id"]])
    response = client.post("/v1/visits", headers={"Authorization": f"Bearer {staff}"}, json=body)
    if response.status_code == 422:  # e.g. an offer the venues demo withdrew: staff would pick another
        return None
    if response.status_code >= 400:
        raise RuntimeError(f"demo data: POST /v1/visits answered {response.status_code}: {response.text}")
    return response.json()


def _days_open(card: dict, offer: dict, today: date) -> tuple[date, date] | None:
    """The first and last day of the last weeks when the card was valid and the offer open, if any."""
    first = max([today - timedelta(days=SPREAD_DAYS), date.fromisoformat(card["valid_from"])] +
                ([_local_day(offer["starts_at"])] if offer.get("starts_at") else []))
    last = min([today] + ([_local_day(offer["ends_at"])] if offer.get("ends_at") else []))
    return (first, last) if first <= last else None


def _local_day(moment: str) -> date:
    """The local day of an offer's time; a time without an offset is already local."""
    parsed = datetime.fromisoformat(moment)
    return (parsed if parsed.tzinfo is None else parsed.astimezone(LOCAL)).date()


def _cancel_one(client: httpx.Client, auth: AuthSettings, recorded: list[tuple[dict, dict, dict]]) -> int:
    """Cancel the last visit recorded (cancelling is for the day a visit was recorded: today)."""
    if not recorded:
        return 0
    _card, offer, answer = recorded[-1]
    staff = mint_token(auth, Role.venue_staff, "demo-box-office", venues=[offer["venue_id"]])
    response = client.post(f"/v1/visits/{answer['visit']['visit_id']}/cancellation",
                           headers={"Authorization": f"Bearer {staff}"})
    if response.status_code >= 400:
        raise RuntimeError(f"demo data: cancelling a visit answered {response.status_code}: {response.text}")
    return 1
