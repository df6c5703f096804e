"""Which service a console path reaches, and which headers travel: pure decisions."""

import pytest

from console.domain.routing import FORWARDED_REQUEST_HEADERS, forwarded, target
from leisure_runtime.errors import NotFound

UPSTREAMS = {"usage": "http://usage:8003", "venues": "http://venues:8002"}


def test_an_api_path_reaches_the_service_with_its_query():
    where = target(UPSTREAMS, "venues", "v1/catalogue/offers", "q=uinti&limit=5")
    assert where.service == "venues"
    assert where.url == "http://venues:8002/v1/catalogue/offers?q=uinti&limit=5"
    assert target(UPSTREAMS, "usage", "v1/visits", "").url == "http://usage:8003/v1/visits"


def test_an_unknown_service_is_refused_naming_the_ones_there_are():
    with pytest.raises(NotFound) as refused:
        target(UPSTREAMS, "payroll", "v1/anything", "")
    assert refused.value.code == "unknown_service"
    assert "usage, venues" in refused.value.message


@pytest.mark.parametrize("path", ["metrics", "docs", "ready", "v1/../metrics", "v2/visits", ""])
def test_only_the_services_v1_apis_are_passed_on(path):
    with pytest.raises(NotFound) as refused:
        target(UPSTREAMS, "usage", path, "")
    assert refused.value.code == "not_an_api_path"


def test_the_token_travels_but_cookies_and_the_rest_stay_here():
    headers = [("Authorization", "Bearer t"), ("Cookie", "session=1"), ("Content-Type", "application/json"),
               ("Host", "console"), ("X-Request-Id", "abc"), ("Origin", "http://console")]
    assert forwarded(headers, FORWARDED_REQUEST_HEADERS) == {
        "Authorization": "Bearer t", "Content-Type": "application/json", "X-Request-Id": "abc"}
