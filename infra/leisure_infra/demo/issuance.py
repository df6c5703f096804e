"""Issuance demo data: one programme of each model in DESIGN.md (culture card, sport wristband, activity pass), the
distributors that hand them out, and cards with varied holder backgrounds, handed over on days of the
last four weeks (issued on paper, entered now). No personal data: backgrounds are statistics only.
"""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from leisure_runtime.auth import AuthSettings, Role, mint_token

REGIONS = ("uusimaa", "varsinais-suomi")

PROGRAMMES = [
    {
        "programme_id": "culture-card",
        "name": {"fi": "Kulttuurikortti", "sv": "Kulturkort", "en": "Culture card"},
        "home_region": "uusimaa",
        "eligibility_criteria": ["The client is in a tight financial situation"],
        "validity_months": 12,
        "children_allowance": 3,
        "escort_free": True,
        "accepted_in_all_regions": True,
        "participating_regions": list(REGIONS),
    },
    {
        "programme_id": "sport-wristband",
        "name": {"fi": "Liikuntaranneke", "sv": "Motionsarmband", "en": "Sport wristband"},
        "home_region": "varsinais-suomi",
        "minimum_age": 18,
        "eligibility_criteria": ["Receives basic social assistance or labour market subsidy"],
        "validity_months": 6,
        "children_allowance": 0,
        "escort_free": False,
        "accepted_in_all_regions": False,
        "participating_regions": ["varsinais-suomi"],
    },
    {
        "programme_id": "activity-pass",
        "name": {"fi": "Liikunta- ja kulttuuripassi", "sv": "Aktivitetspass", "en": "Activity pass"},
        "home_region": "uusimaa",
        "eligibility_criteria": ["Client of adult social work"],
        "validity_months": 12,
        "children_allowance": 0,
        "escort_free": False,
        "accepted_in_all_regions": False,
        "participating_regions": ["uusimaa"],
        "reward_rule": {"every_visits": 20, "description": "Two cinema tickets"},
    },
]

DISTRIBUTORS = [
    {"distributor_id": "espoo-social-office", "name": {"fi": "Espoon sosiaalitoimisto"},
     "kind": "social_office", "region": "uusimaa"},
    {"distributor_id": "espoo-youth-outreach", "name": {"fi": "Etsivä nuorisotyö Espoo"},
     "kind": "youth_outreach", "region": "uusimaa"},
    {"distributor_id": "turku-health-check", "name": {"fi": "Työttömien terveystarkastus Turku"},
     "kind": "unemployed_health_check", "region": "varsinais-suomi"},
]

FINLAND = ZoneInfo("Europe/Helsinki")
HANDED_OVER_WITHIN_DAYS = 27
"""Cards were handed over on paper up to this many days back: within issuance's 30 days, with room
for the demo's visits after them."""

# (distributor, programme, how many cards)
CARDS = [
    ("espoo-social-office", "culture-card", 8),
    ("espoo-youth-outreach", "culture-card", 4),
    ("espoo-social-office", "activity-pass", 6),
    ("turku-health-check", "sport-wristband", 7),
    ("turku-health-check", "culture-card", 2),
]


def _background(rng: random.Random) -> dict:
    return {
        "age": rng.randint(18, 80),
        "gender": rng.choice(["female", "male", "other", "not_told"]),
        "mother_tongue": rng.choice(["finnish", "finnish", "swedish", "russian", "arabic", "somali"]),
        "life_situation": rng.choice(["unemployed", "student", "retired", "family_leave", "employed"]),
        "postal_code": rng.choice(["02100", "02600", "02770", "20100", "20500"]),
        "children_under_16": rng.choice([0, 0, 1, 2]),
    }


def load(issuance_url: str, auth: AuthSettings, summary: dict[str, int]) -> list[dict]:
    """Define the programmes and distributors, issue the cards; return the CardIssued bodies."""
    rng = random.Random(2026)
    coordinators = {region: mint_token(auth, Role.coordinator, f"demo-coordinator-{region}", region=region)
                    for region in REGIONS}
    with httpx.Client(base_url=issuance_url, timeout=10) as client:
        for programme in PROGRAMMES:
            post(client, "/v1/programmes", programme, coordinators[programme["home_region"]])
        for distributor in DISTRIBUTORS:
            post(client, "/v1/distributors", distributor, coordinators[distributor["region"]])
        regions = {d["distributor_id"]: d["region"] for d in DISTRIBUTORS}
        criteria = {p["programme_id"]: p["eligibility_criteria"] for p in PROGRAMMES}
        issued = []
        today = datetime.now(FINLAND).date()
        for distributor_id, programme_id, count in CARDS:
            token = mint_token(auth, Role.distributor, f"demo-worker-{distributor_id}",
                               region=regions[distributor_id], organisation=distributor_id)
            for n in range(count):
                # Each office's first card went out four weeks ago: it has the longest history of visits.
                days_back = HANDED_OVER_WITHIN_DAYS if n == 0 else rng.randint(0, HANDED_OVER_WITHIN_DAYS)
                body = {"programme_id": programme_id, "criteria_confirmed": criteria[programme_id],
                        "background": _background(rng)}
                if days_back:
                    body["issued_on"] = (today - timedelta(days=days_back)).isoformat()
                issued.append(post(client, "/v1/cards", body, token))
    summary.update(programmes=len(PROGRAMMES), distributors=len(DISTRIBUTORS), cards=len(issued))
    return issued


def post(client: httpx.Client, path: str, body: dict, token: str) -> dict:
    """POST as staff would; a refusal stops the demo with the service's own message."""
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    if response.status_code >= 400:
        raise RuntimeError(f"demo data: POST {path} answered {response.status_code}: {response.text}")
    return response.json()
