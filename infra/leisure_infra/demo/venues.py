"""Venues demo data: a dozen venues of different kinds in Uusimaa and Varsinais-Suomi, and offers of
every kind and category for the demo programmes, some with a quota. Dates are relative to today,
so the catalogue always has something coming up, and the seasons and courses that opened weeks
before they were entered here have visits from those weeks."""

from datetime import datetime, timedelta, timezone

import httpx

from leisure_contracts.events import OfferPublished
from leisure_infra.demo.issuance import post
from leisure_runtime.auth import AuthSettings, Role, mint_token

BOTH_REGIONS = ["uusimaa", "varsinais-suomi"]

# (key, venue body); the key names the venue in OFFERS below.
VENUES = [
    ("espoo-theatre", {"name": {"fi": "Espoon kaupunginteatteri", "sv": "Esbo stadsteater"}, "region": "uusimaa",
                       "municipality": "Espoo", "kind": "theatre", "street_address": "Ahertajantie 5",
                       "postal_code": "02100", "languages": ["fi"],
                       "accessibility": {"fi": "Esteetön sisäänkäynti ja induktiosilmukka"}}),
    ("emma", {"name": {"fi": "EMMA – Espoon modernin taiteen museo", "en": "EMMA – Espoo Museum of Modern Art"},
              "region": "uusimaa", "municipality": "Espoo", "kind": "museum", "street_address": "Ahertajantie 5",
              "postal_code": "02100", "languages": ["fi", "sv", "en"]}),
    ("sello-library", {"name": {"fi": "Sellon kirjasto", "sv": "Sellobiblioteket"}, "region": "uusimaa",
                       "municipality": "Espoo", "kind": "library", "street_address": "Leppävaarankatu 9",
                       "postal_code": "02600", "languages": ["fi", "sv", "en"]}),
    ("tapiola-hall", {"name": {"fi": "Tapiolan uimahalli", "sv": "Hagalunds simhall"}, "region": "uusimaa",
                      "municipality": "Espoo", "kind": "swimming_hall", "street_address": "Kirkkopolku 3",
                      "postal_code": "02100", "languages": ["fi", "sv"],
                      "accessibility": {"fi": "Nostolaite altaalla", "en": "Pool hoist available"}}),
    ("espoo-adult-education", {"name": {"fi": "Espoon työväenopisto", "en": "Espoo Adult Education Centre"},
                               "region": "uusimaa", "municipality": "Espoo", "kind": "adult_education_centre",
                               "street_address": "Kirkkojärventie 6", "postal_code": "02770",
                               "languages": ["fi", "en"]}),
    ("helsinki-concert-hall", {"name": {"fi": "Konserttitalo", "sv": "Konserthuset", "en": "Concert Hall"},
                               "region": "uusimaa", "municipality": "Helsinki", "kind": "concert_hall",
                               "street_address": "Mannerheimintie 13", "postal_code": "00100",
                               "languages": ["fi", "sv", "en"]}),
    ("helsinki-cinema", {"name": {"fi": "Elokuvateatteri Kino", "en": "Cinema Kino"}, "region": "uusimaa",
                         "municipality": "Helsinki", "kind": "cinema", "street_address": "Eerikinkatu 11",
                         "postal_code": "00100", "languages": ["fi", "en"]}),
    ("helsinki-association", {"name": {"fi": "Kallion asukasyhdistys"}, "region": "uusimaa",
                              "municipality": "Helsinki", "kind": "association", "postal_code": "00530",
                              "languages": ["fi", "so", "ar"]}),
    ("turku-theatre", {"name": {"fi": "Turun kaupunginteatteri", "sv": "Åbo stadsteater"},
                       "region": "varsinais-suomi", "municipality": "Turku", "kind": "theatre",
                       "street_address": "Itäinen Rantakatu 14", "postal_code": "20700", "languages": ["fi"]}),
    ("impivaara", {"name": {"fi": "Impivaaran uimahalli", "sv": "Impivaara simhall"}, "region": "varsinais-suomi",
                   "municipality": "Turku", "kind": "swimming_hall", "street_address": "Uimahallintie 12",
                   "postal_code": "20500", "languages": ["fi", "sv"]}),
    ("turku-gym", {"name": {"fi": "Kuntosali Voima", "en": "Voima Gym"}, "region": "varsinais-suomi",
                   "municipality": "Turku", "kind": "gym", "street_address": "Linnankatu 20", "postal_code": "20100",
                   "languages": ["fi", "en"]}),
    ("turku-sports-club", {"name": {"fi": "Turun Urheiluseura", "sv": "Åbo Idrottsförening"},
                           "region": "varsinais-suomi", "municipality": "Turku", "kind": "sports_club",
                           "postal_code": "20100", "languages": ["fi", "sv"]}),
]


def _offers(today: datetime) -> list[tuple[str, dict]]:
    def at(days: int, hour: int = 18) -> str:
        return (today + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0).isoformat()

    season = {"starts_at": at(-35, 8), "ends_at": at(150, 20)}
    return [
        ("espoo-theatre", {"category": "culture", "kind": "free_ticket", "title": {"fi": "Teatteri: Kevätuhri",
                           "en": "Theatre: The Rite of Spring"}, "starts_at": at(7, 19), "ends_at": at(7, 21),
                           "quota": 20, "max_tickets_per_visit": 4, "accepted_programmes": ["culture-card"],
                           "accepted_regions": BOTH_REGIONS}),
        ("espoo-theatre", {"category": "culture", "kind": "free_ticket", "title": {"fi": "Lastenteatteri: Muumit"},
                           "description": {"fi": "Koko perheen esitys"}, "starts_at": at(14, 17),
                           "ends_at": at(14, 18), "quota": 10, "max_tickets_per_visit": 4,
                           "accepted_programmes": ["culture-card"], "accepted_regions": BOTH_REGIONS}),
        ("emma", {"category": "culture", "kind": "free_entry", "title": {"fi": "Museokäynti", "en": "Museum visit"},
                  **season, "max_tickets_per_visit": 4, "accepted_programmes": ["culture-card", "activity-pass"],
                  "accepted_regions": BOTH_REGIONS}),
        ("sello-library", {"category": "course", "kind": "course_place",
                           "title": {"fi": "Digitaidot tutuksi", "en": "Digital skills for beginners"},
                           "starts_at": at(10, 10), "ends_at": at(40, 12), "quota": 12,
                           "accepted_programmes": ["culture-card", "activity-pass"]}),
        ("sello-library", {"category": "other", "kind": "free_entry",
                           "title": {"fi": "Lautapeli-ilta", "sv": "Brädspelskväll"},
                           "accepted_programmes": ["culture-card", "activity-pass"]}),
        ("tapiola-hall", {"category": "sport", "kind": "free_entry", "title": {"fi": "Uinti", "sv": "Simning"},
                          "accepted_programmes": ["activity-pass", "culture-card"], "max_tickets_per_visit": 2}),
        ("tapiola-hall", {"category": "wellbeing", "kind": "course_place", "title": {"fi": "Vesijumppa"},
                          "starts_at": at(-24, 9), "ends_at": at(60, 10), "quota": 15,
                          "accepted_programmes": ["activity-pass"]}),
        ("espoo-adult-education", {"category": "course", "kind": "course_place",
                                   "title": {"fi": "Suomen kielen keskustelupiiri", "en": "Finnish conversation"},
                                   "starts_at": at(-21, 17), "ends_at": at(70, 19), "quota": 8,
                                   "accepted_programmes": ["culture-card"]}),
        ("helsinki-concert-hall", {"category": "culture", "kind": "free_ticket",
                                   "title": {"fi": "Sinfoniakonsertti", "sv": "Symfonikonsert",
                                             "en": "Symphony concert"}, "starts_at": at(21, 19),
                                   "ends_at": at(21, 21), "quota": 30, "max_tickets_per_visit": 3,
                                   "accepted_programmes": ["culture-card"], "accepted_regions": BOTH_REGIONS}),
        ("helsinki-cinema", {"category": "culture", "kind": "free_ticket",
                             "title": {"fi": "Elokuvailta", "en": "Film night"}, **season, "quota": 50,
                             "max_tickets_per_visit": 2, "accepted_programmes": ["culture-card", "activity-pass"]}),
        ("helsinki-association", {"category": "wellbeing", "kind": "free_entry",
                                  "title": {"fi": "Olohuone – avoin kohtaamispaikka", "en": "Open living room"},
                                  "accepted_programmes": ["culture-card", "activity-pass"]}),
        ("turku-theatre", {"category": "culture", "kind": "free_ticket",
                           "title": {"fi": "Teatteri: Seitsemän veljestä"},
                           "starts_at": at(10, 19), "ends_at": at(10, 22), "quota": 16, "max_tickets_per_visit": 4,
                           "accepted_programmes": ["culture-card"], "accepted_regions": BOTH_REGIONS}),
        ("impivaara", {"category": "sport", "kind": "free_entry", "title": {"fi": "Uinti ja kuntosali",
                       "sv": "Simning och gym"}, "accepted_programmes": ["sport-wristband", "culture-card"],
                       "accepted_regions": BOTH_REGIONS}),
        ("turku-gym", {"category": "sport", "kind": "free_entry", "title": {"fi": "Kuntosalivuoro", "en": "Gym"},
                       **season, "accepted_programmes": ["sport-wristband"]}),
        ("turku-sports-club", {"category": "sport", "kind": "course_place",
                               "title": {"fi": "Sulkapalloryhmä aikuisille", "sv": "Badminton för vuxna"},
                               "starts_at": at(-14, 18), "ends_at": at(90, 20), "quota": 12,
                               "accepted_programmes": ["sport-wristband"]}),
    ]


def load(venues_url: str, auth: AuthSettings, summary: dict[str, int]) -> list[dict]:
    """Register the venues (as their region's coordinator) and publish their offers (as venue
    staff); return the OfferPublished bodies of the offers."""
    coordinators = {region: mint_token(auth, Role.coordinator, f"demo-coordinator-{region}", region=region)
                    for region in BOTH_REGIONS}
    published = []
    with httpx.Client(base_url=venues_url, timeout=10) as client:
        venue_ids = {key: post(client, "/v1/venues", body, coordinators[body["region"]])["venue_id"]
                     for key, body in VENUES}
        for key, offer in _offers(datetime.now(timezone.utc)):
            staff = mint_token(auth, Role.venue_staff, f"demo-staff-{key}", venues=[venue_ids[key]])
            body = post(client, f"/v1/venues/{venue_ids[key]}/offers", offer, staff)
            published.append(OfferPublished.model_validate(body).model_dump(mode="json"))
    summary.update(venues=len(VENUES), offers=len(published))
    return published
