from __future__ import annotations

from demo.scenario import Walk


def test_a_case_walks_from_application_to_a_valid_certificate(walk: Walk) -> None:
    walk.to_certificate()
    cert = walk.app.get_certificate(walk.number or "")
    assert cert.status == "valid"
    assert walk.app.get_case(walk.case).stage == "granted"
