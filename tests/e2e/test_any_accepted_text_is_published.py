"""Any text the API accepts is published (#20): arbitrary Unicode, lone surrogates and control characters included,
sent as an organisation's name and address and a case's scope and basis, is either refused with a 422 that writes
nothing, or carried through to a certificate that the public views on PostgreSQL publish exactly as recorded, with
the views still running.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from registry.application import Registry
from tests.e2e.conftest import Caller, Callers
from tests.e2e.http_walk import API, CONDITIONS, HttpWalk, iso, problem

pytestmark = [pytest.mark.long, pytest.mark.postgres]

# What a person might type (unassigned code points, format characters, separators and all, but no control
# characters), so that many examples reach a certificate; and, in one field of half the examples, any code point at
# all, lone surrogates and controls included (Hypothesis leaves surrogates out unless asked).
TYPED = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40)
# The code points stores and readers are known to choke on are drawn as often as all the others together.
TROUBLE = st.sampled_from("\x00\x01\x1b\x7f\x85\x9f\ud800\udbff\udc00\udfff\ufdd0\ufffe\uffff\U0010ffff\u2028\u202e")
ANY_TEXT = st.lists(st.one_of(st.characters(exclude_categories=()), TROUBLE), max_size=40).map("".join)
FIELDS = ("name", "address", "scope", "standard", "version", "sector")


@st.composite
def texts(draw: st.DrawFn) -> dict[str, str]:
    drawn = {field: draw(TYPED) for field in FIELDS}
    anything = draw(st.one_of(st.none(), st.sampled_from(FIELDS)))
    if anything is not None:
        drawn[anything] = draw(ANY_TEXT)
    return drawn


def post_raw(client: TestClient, path: str, body: dict[str, Any], caller: Caller) -> Any:
    """JSON with every non-ASCII character escaped, so that a lone surrogate travels as ``\\udXXX``."""
    return client.post(f"{API}{path}", content=json.dumps(body).encode("ascii"),
                       headers={**caller.headers, "Content-Type": "application/json"})


def accepted(response: Any, registry: Registry, before: int | None, what: str) -> bool:
    """Whether the write was accepted; a refusal is a 422 problem that wrote nothing."""
    if response.status_code == 422:
        problem(response, 422)
        assert registry.recorder.max_notification_id() == before
        event(f"{what} refused")
        return False
    assert response.status_code == 201, response.text
    return True


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(drawn=texts())
def test_any_text_the_api_accepts_is_published_on_postgresql_and_the_views_keep_running(
        client: TestClient, callers: Callers, registry: Registry, drawn: dict[str, str]) -> None:
    name, address, scope, standard, version, sector = (drawn[field] for field in FIELDS)
    walk = HttpWalk(client, callers)
    before = registry.recorder.max_notification_id()
    response = post_raw(client, "/organizations", {"uscc": walk.uscc, "name": name, "address": address},
                        callers.intake)
    if not accepted(response, registry, before, "organisation"):
        return
    # R-BASIS-1: the drawn basis and sector requirements are bases the body accepts, where it takes them as text
    # (what it refuses there, an application refuses too)
    for basis in ({"standard": standard, "version": version}, {"standard": sector, "version": "1", "kind": "sector"}):
        post_raw(client, "/reference/bases", {**basis, "valid_from": "2020-01-01"}, callers.admin)
    body = walk.application(scope=scope, basis={"standard": standard, "version": version,
                                                "sector_requirements": [sector]})
    before = registry.recorder.max_notification_id()
    response = post_raw(client, "/cases", body, callers.intake)
    if not accepted(response, registry, before, "application"):
        return
    walk.case_id = response.json()["id"]
    walk.documents().accept().agree().programme().team().stage1().stage2().report().close()
    walk.decide(conditions={**CONDITIONS, "sector_requirements": True})
    event("certified")

    published = client.get(f"{API}/public/certificates/{walk.certificate}",
                           params={"after": walk.answers["decision"]["position"]})
    assert published.status_code == 200, published.text
    certificate = published.json()
    # As recorded: names, addresses and scopes trimmed, as the registry always has; blank sectors left out.
    assert certificate["organization"] == {"name": name.strip(), "address": address.strip(), "uscc": walk.uscc}
    assert certificate["scope"] == scope.strip()
    assert certificate["basis"] == {"standard": standard, "version": version,
                                    "sector_requirements": [sector] if sector.strip() else []}
    assert certificate["issued_on"] == iso(walk.day(30))
    health = client.get(f"{API}/health")
    assert health.status_code == 200, health.text
