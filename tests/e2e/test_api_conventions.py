"""The conventions of API.md that every endpoint shares: problem+json for malformed, unknown and invalid requests;
the OpenAPI document listing every back-office endpoint with its roles and examples; the history's fields."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api import schemas
from api.app import create_app
from api.settings import Settings
from registry.application import Registry
from tests.e2e.conftest import Callers
from tests.e2e.http_walk import API, HttpWalk, problem

# API.md, Back office (and the two history endpoints of Regulator): verb, path, the role API.md names first
BACK_OFFICE = [
    ("post", "/api/v1/people", "admin"),
    ("post", "/api/v1/people/{id}/registrations", "admin"),
    ("post", "/api/v1/people/{id}/violations", "admin"),
    ("post", "/api/v1/people/{id}/evaluations", "admin"),
    ("post", "/api/v1/people/{id}/services", "admin"),
    ("post", "/api/v1/organizations", "intake"),
    ("post", "/api/v1/cases", "intake"),
    ("get", "/api/v1/cases/{id}", "staff"),
    ("post", "/api/v1/cases/{id}/documents", "intake"),
    ("post", "/api/v1/cases/{id}/supplement-requests", "intake"),
    ("post", "/api/v1/cases/{id}/acceptance", "intake"),
    ("post", "/api/v1/cases/{id}/agreement", "intake"),
    ("post", "/api/v1/cases/{id}/programme", "auditor"),
    ("post", "/api/v1/cases/{id}/team", "admin"),
    ("post", "/api/v1/cases/{id}/stage1", "auditor"),
    ("post", "/api/v1/cases/{id}/stage2", "auditor"),
    ("post", "/api/v1/cases/{id}/nonconformities/{ref}/closure", "auditor"),
    ("post", "/api/v1/cases/{id}/report", "auditor"),
    ("post", "/api/v1/cases/{id}/decision", "decision"),
    ("get", "/api/v1/certificates/{number}", "regulator"),
    # GET /api/v1/certificates/{number}/certificate.pdf arrives with the certificate document (issue 8).
    ("post", "/api/v1/certificates/{number}/surveillance-audits", "auditor"),
    ("post", "/api/v1/certificates/{number}/change-requests", "intake"),
    ("post", "/api/v1/certificates/{number}/changes", "admin"),
    ("post", "/api/v1/certificates/{number}/suspension", "decision"),
    ("post", "/api/v1/certificates/{number}/reinstatement", "decision"),
    ("post", "/api/v1/certificates/{number}/withdrawal", "decision"),
    ("post", "/api/v1/certificates/{number}/cancellation", "decision"),
    ("post", "/api/v1/organizations/{uscc}/rectifications", "decision"),
    ("get", "/api/v1/certificates/{number}/history", "regulator"),
    ("get", "/api/v1/organizations/{uscc}/history", "regulator"),
]


def shape(path: str) -> str:
    """A path with its parameters' names left out: ``/cases/{id}`` and ``/cases/{case_id}`` are one path."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    spec: dict[str, Any] = create_app(Settings()).openapi()
    return spec


def operations(openapi: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(verb, shape(path)): op for path, ops in openapi["paths"].items() for verb, op in ops.items()}


def test_the_openapi_document_is_served(client: TestClient) -> None:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/cases" in response.json()["paths"]


@pytest.mark.parametrize(("verb", "path", "role"), BACK_OFFICE, ids=[f"{v} {p}" for v, p, _ in BACK_OFFICE])
def test_every_back_office_endpoint_is_in_the_openapi_document_with_its_roles(openapi: dict[str, Any], verb: str,
                                                                              path: str, role: str) -> None:
    op = operations(openapi).get((verb, shape(path)))
    assert op is not None, f"{verb.upper()} {path} is not in /openapi.json"
    roles = op.get("x-roles")
    assert isinstance(roles, list) and roles, op
    assert any(role in r for r in roles), (role, roles)


def request_schemas(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path, ops in openapi["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for verb, op in ops.items():
            for media_type, content in op.get("requestBody", {}).get("content", {}).items():
                ref = content["schema"].get("$ref", "")
                schema = openapi["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else content["schema"]
                found.append((f"{verb.upper()} {path}", media_type, content, schema))
    return found


def test_every_request_body_has_an_example(openapi: dict[str, Any]) -> None:
    without = [f"{what} ({media_type})" for what, media_type, content, schema in request_schemas(openapi)
               if not (schema.get("examples") or content.get("example") or content.get("examples"))]
    assert not without, f"request bodies without an example: {without}"


def test_every_request_body_example_is_a_valid_request() -> None:
    """An example a client copies from /docs passes the request's own validation."""
    models = [m for m in vars(schemas).values() if isinstance(m, type) and issubclass(m, BaseModel)
              and m.__module__ == schemas.__name__ and m.__name__.endswith("Create")]
    invalid = []
    for model in models:
        for example in model.model_json_schema().get("examples") or []:
            try:
                model.model_validate(example)
            except ValueError as e:
                invalid.append(f"{model.__name__}: {e}")
    assert len(models) >= 20
    assert not invalid, invalid


# Malformed, invalid and unknown requests


def test_a_body_that_is_not_json_is_a_400_problem(client: TestClient, callers: Callers, registry: Registry) -> None:
    before = registry.recorder.max_notification_id()
    response = client.post(f"{API}/people", content='{"name": "张伟",'.encode(), headers={
        **callers.admin.headers, "Content-Type": "application/json"})
    problem(response, 400)
    assert registry.recorder.max_notification_id() == before


def test_a_missing_required_field_is_a_422_problem_naming_it(client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    body = walk.acceptance_body()
    del body["decided_on"]

    response = client.post(f"{API}/cases/{walk.case}/acceptance", json=body, headers=callers.intake.headers)

    errors = problem(response, 422)["errors"]
    assert isinstance(errors, list) and errors
    assert [e["field"] for e in errors] == ["decided_on"], errors
    assert all(e.get("message") for e in errors)

    response = client.post(f"{API}/people", json={}, headers=callers.admin.headers)
    assert [e["field"] for e in problem(response, 422)["errors"]] == ["name"]


def test_a_nested_missing_field_is_named_by_its_path(client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    body = walk.acceptance_body(review={"information_sufficient": True, "requirements_understood": True})
    response = client.post(f"{API}/cases/{walk.case}/acceptance", json=body, headers=callers.intake.headers)
    assert [e["field"] for e in problem(response, 422)["errors"]] == ["review.competent_and_resourced"]


def test_a_value_outside_an_enumeration_is_a_422_problem(client: TestClient, callers: Callers,
                                                         registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization()
    before = registry.recorder.max_notification_id()

    response = client.post(f"{API}/cases", json=walk.application(kind="upgrade"), headers=callers.intake.headers)
    assert [e["field"] for e in problem(response, 422)["errors"]] == ["kind"]

    levels = [{"level": "galaxy", "method": "iso_14064_1"}]
    response = client.post(f"{API}/cases", json=walk.application(levels=levels), headers=callers.intake.headers)
    assert [e["field"] for e in problem(response, 422)["errors"]] == ["levels.0.level"]
    assert registry.recorder.max_notification_id() == before


def test_a_document_of_no_checklist_kind_is_a_422_problem(client: TestClient, callers: Callers,
                                                          registry: Registry) -> None:
    walk = HttpWalk(client, callers).organization().apply()
    before = registry.recorder.max_notification_id()
    body = problem(walk.upload("holiday_photos"), 422)
    assert body["errors"][0]["field"] == "kind"
    body = problem(walk.upload("application_form", content=b""), 422)
    assert body["errors"][0]["field"] == "file"
    response = client.post(f"{API}/cases/{walk.case}/documents", data={"kind": "application_form",
                                                                         "received_on": "2026-03-03"},
                           headers=callers.intake.headers)
    assert [e["field"] for e in problem(response, 422)["errors"]] == ["file"]
    assert registry.recorder.max_notification_id() == before


def test_an_unknown_case_is_a_404_problem(client: TestClient, callers: Callers) -> None:
    unknown = uuid.uuid4()
    problem(client.get(f"{API}/cases/{unknown}", headers=callers.intake.headers), 404)
    walk = HttpWalk(client, callers)
    problem(client.post(f"{API}/cases/{unknown}/acceptance", json=walk.acceptance_body(),
                        headers=callers.intake.headers), 404)


def test_a_case_id_that_is_not_a_uuid_is_a_problem(client: TestClient, callers: Callers) -> None:
    response = client.get(f"{API}/cases/not-a-uuid", headers=callers.intake.headers)
    assert response.status_code in (404, 422)
    problem(response, response.status_code)
    walk = HttpWalk(client, callers)
    response = client.post(f"{API}/cases/not-a-uuid/acceptance", json=walk.acceptance_body(),
                           headers=callers.intake.headers)
    assert response.status_code in (404, 422)
    problem(response, response.status_code)


def test_unknown_certificates_organisations_and_people_are_404_problems(client: TestClient,
                                                                        callers: Callers) -> None:
    reader = callers.regulator.headers
    problem(client.get(f"{API}/certificates/CB-CEMS-2026-99999", headers=reader), 404)
    problem(client.get(f"{API}/certificates/CB-CEMS-2026-99999/history", headers=reader), 404)
    problem(client.get(f"{API}/organizations/91110000600037341L/history", headers=reader), 404)
    problem(client.get(f"{API}/people/{uuid.uuid4()}", headers=reader), 404)
    problem(client.post(f"{API}/certificates/CB-CEMS-2026-99999/suspension", headers=callers.decision.headers,
                        json={"on": "2026-10-01", "known_on": "2026-10-01", "ground": "major_defect"}), 404)


def test_an_unknown_path_is_a_404_problem(client: TestClient, callers: Callers) -> None:
    problem(client.get(f"{API}/nothing-here", headers=callers.regulator.headers), 404)


def test_as_of_before_the_certificate_existed_is_a_404_problem(client: TestClient, callers: Callers) -> None:
    walk = HttpWalk(client, callers).to_certificate()
    response = client.get(f"{API}/certificates/{walk.certificate}", params={"as_of": "2026-03-31"},
                          headers=callers.regulator.headers)
    problem(response, 404)
    response = client.get(f"{API}/certificates/{walk.certificate}", params={"as_of": "yesterday"},
                          headers=callers.regulator.headers)
    problem(response, 422)


def test_every_answer_carries_a_request_id(client: TestClient, callers: Callers) -> None:
    response = client.get(f"{API}/cases/{uuid.uuid4()}", headers={**callers.intake.headers, "X-Request-ID": "abc"})
    assert response.headers["x-request-id"] == "abc"


def test_no_token_is_a_401_whatever_the_body(client: TestClient, registry: Registry) -> None:
    """401 is "no or bad token": an anonymous request is refused before its body is read or judged."""
    for content in ('{"name": "张伟"'.encode(), b"{}", b"[]"):
        response = client.post(f"{API}/people", content=content, headers={"Content-Type": "application/json"})
        problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"


def test_a_document_above_the_size_limit_is_a_413_problem(registry: Registry, callers: Callers) -> None:
    with TestClient(create_app(Settings(max_upload_bytes=64), registry=registry),
                    raise_server_exceptions=False) as small:
        walk = HttpWalk(small, callers).organization().apply()
        before = registry.recorder.max_notification_id()
        problem(walk.upload("application_form", content=b"%PDF" + b"x" * 64), 413)
        assert registry.recorder.max_notification_id() == before
        assert walk.upload("application_form", content=b"%PDF small").status_code == 201


def test_a_wrong_http_method_is_a_405_problem(client: TestClient, callers: Callers) -> None:
    problem(client.get(f"{API}/people", headers=callers.admin.headers), 405)
