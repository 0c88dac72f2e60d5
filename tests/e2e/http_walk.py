"""A certification walked through the HTTP API, step by step, with each caller's Bearer token.

The HTTP twin of ``demo.scenario.Walk``: every step is a request, every write is checked to answer a
``position`` (and the id API.md says it creates), and the answers are kept so tests can compare them with the
history. Steps follow the application date by days, as in the domain builder.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from demo.scenario import SECTOR, new_uscc, whole_cycle
from registry.values import FOCUS_POINTS, RECERTIFICATION_ITEMS, SURVEILLANCE_CONTENT, DocumentKind
from tests.e2e.conftest import Caller, Callers

if TYPE_CHECKING:
    from httpx2 import Response

API = "/api/v1"
PROBLEM = "application/problem+json"
START = date(2026, 3, 2)  # a Monday; the certificate is issued 30 days later
REVIEW = {"information_sufficient": True, "requirements_understood": True, "competent_and_resourced": True}
CONDITIONS: dict[str, bool | None] = {"legal_compliance": True, "sector_requirements": None,
                                      "management_improved": True, "no_penalty": True}
FOCUS = {name: f"已审核：{name}" for name in FOCUS_POINTS}
# R-SURV-5: what a surveillance audit's body carries besides its date, team and outcome (issue 23).
SURVEILLANCE = {"on_site": True, "content": {item: f"已审核：{item}" for item in SURVEILLANCE_CONTENT},
                "person_days": "2"}
RECERTIFICATION = {item: f"已评价：{item}" for item in RECERTIFICATION_ITEMS}  # R-RECERT-2
# R-PREP-2: what a programme is based on; R-S1-2: stage 1's key audit points.
BASIS = {"size": "职工约 800 人，单一厂区", "scope": "电力生产的碳排放管理活动",
         "facilities_complexity": "燃煤锅炉 2 台", "system_maturity": "体系运行 6 个月"}
KEY_POINTS = ["燃料消耗台账与入厂煤化验", "排放因子实测数据的可靠性"]
DOCUMENT_KINDS = [kind.value for kind in DocumentKind]


def iso(d: date) -> str:
    return d.isoformat()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def headers(caller: Caller, key: str | None = None) -> dict[str, str]:
    out = dict(caller.headers)
    if key is not None:
        out["Idempotency-Key"] = key
    return out


def written(response: Response, status: int = 200, *ids: str) -> dict[str, Any]:
    """The body of a successful write: ``position`` an int, and each named id present."""
    assert response.status_code == status, (response.status_code, response.text)
    body: dict[str, Any] = response.json()
    assert isinstance(body.get("position"), int) and body["position"] > 0, body
    for name in ids:
        assert body.get(name), (name, body)
    return body


def problem(response: Response, status: int, rule: str | None = None, clause: str | None = None) -> dict[str, Any]:
    """An RFC 9457 problem with this status (and, for a refused rule, its id and clause)."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].split(";")[0].strip() == PROBLEM, response.headers["content-type"]
    body: dict[str, Any] = response.json()
    for name in ("type", "title", "status", "detail"):
        assert name in body, (name, body)
    assert body["status"] == status, body
    assert isinstance(body["type"], str) and body["type"], body
    assert isinstance(body["detail"], str) and body["detail"], body
    if rule is not None:
        assert body.get("rule") == rule, body
        assert isinstance(body.get("clause"), str) and body["clause"], body
    if clause is not None:
        assert body.get("clause") == clause, body
    return body


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def enrol_person(client: TestClient, admin: Caller, name: str = "新审核员") -> str:
    pid: str = written(client.post(f"{API}/people", json={"name": name}, headers=admin.headers), 201, "id")["id"]
    return pid


def history(client: TestClient, path: str, caller: Caller) -> list[dict[str, Any]]:
    """The events of ``/certificates/{number}`` or ``/organizations/{uscc}`` (``path``), as ``caller`` reads them."""
    response = client.get(f"{API}{path}/history", headers=caller.headers)
    assert response.status_code == 200, response.text
    events: list[dict[str, Any]] = response.json()["events"]
    return events


@dataclass
class HttpWalk:
    """Walks one case from application to certificate over HTTP; each step takes overrides of its body."""

    client: TestClient
    callers: Callers
    start: date = START
    uscc: str = field(default_factory=new_uscc)
    name: str = "示例能源有限公司"
    case_id: str | None = None
    number: str | None = None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)

    def day(self, n: int) -> date:
        return self.start + timedelta(days=n)

    @property
    def case(self) -> str:
        if self.case_id is None:
            raise RuntimeError("apply first")
        return self.case_id

    @property
    def certificate(self) -> str:
        if self.number is None:
            raise RuntimeError("decide first")
        return self.number

    def post(self, step: str, path: str, caller: Caller, body: dict[str, Any], status: int = 200,
             *ids: str) -> dict[str, Any]:
        answer = written(self.client.post(f"{API}{path}", json=body, headers=caller.headers), status, *ids)
        self.answers[step] = answer
        return answer

    # The case (§8)

    def organization(self, **overrides: Any) -> HttpWalk:
        body = {"uscc": self.uscc, "name": f"{self.name}{self.uscc[-6:]}", "address": "上海市浦东新区示例路88号",
                **overrides}
        self.name = body["name"]
        self.post("organization", "/organizations", self.callers.intake, body, 201)
        return self

    def application(self, **overrides: Any) -> dict[str, Any]:
        """The body of an eligible initial application (CEMS running 6 months, commitment given)."""
        body: dict[str, Any] = {
            "organization_uscc": self.uscc, "kind": "initial", "applied_on": iso(self.start),
            "scope": "电力生产的碳排放管理活动", "levels": [{"level": "organization", "method": "iso_14064_1"}],
            "basis": {"standard": "CCAI-S-C06", "version": "2023", "sector_requirements": []},
            "cems_operating_since": iso(self.start - timedelta(days=183)),
            "emission_control": {"controlled": False, "cycles_completed": 0}, "other_certifications": [],
            "incident_report_commitment": True, "sectors": [SECTOR],
        }
        body.update(overrides)
        return body

    def apply(self, **overrides: Any) -> HttpWalk:
        self.case_id = self.post("apply", "/cases", self.callers.intake, self.application(**overrides), 201,
                                 "id")["id"]
        return self

    def document_content(self, kind: str) -> bytes:
        return f"%PDF-1.7 {kind} {self.uscc}".encode()

    def upload(self, kind: str, received_on: date | None = None, content: bytes | None = None,
               caller: Caller | None = None, key: str | None = None) -> Response:
        data = content if content is not None else self.document_content(kind)
        return self.client.post(f"{API}/cases/{self.case}/documents",
                                data={"kind": kind, "received_on": iso(received_on or self.day(1))},
                                files={"file": (f"{kind}.pdf", data, "application/pdf")},
                                headers=headers(caller or self.callers.intake, key))

    def documents(self) -> HttpWalk:
        for kind in DOCUMENT_KINDS:
            answer = written(self.upload(kind), 201, "sha256")
            assert answer["sha256"] == sha256(self.document_content(kind)), answer
            self.answers[f"document:{kind}"] = answer
        return self

    def acceptance_body(self, **overrides: Any) -> dict[str, Any]:
        return {"decided_on": iso(self.day(2)), "accepted": True, "review": REVIEW, "reasons": "资料齐全，予以受理",
                **overrides}

    def accept(self, **overrides: Any) -> HttpWalk:
        self.post("acceptance", f"/cases/{self.case}/acceptance", self.callers.intake,
                  self.acceptance_body(**overrides))
        return self

    def agreement_body(self, **overrides: Any) -> dict[str, Any]:
        return {"signed_on": iso(self.day(3)), "fee_paid_on": iso(self.day(3)), **overrides}

    def agree(self, **overrides: Any) -> HttpWalk:
        self.post("agreement", f"/cases/{self.case}/agreement", self.callers.intake, self.agreement_body(**overrides))
        return self

    def programme_body(self, **overrides: Any) -> dict[str, Any]:
        cycle = [{"audit": a.audit.value, "planned_by": iso(a.planned_by), "person_days": str(a.person_days)}
                 for a in whole_cycle(self.day(4))]
        return {"planned_on": iso(self.day(4)), "person_days": 4, "integrated_with": [], "basis": BASIS,
                "cycle": cycle, **overrides}

    def programme(self, **overrides: Any) -> HttpWalk:
        self.post("programme", f"/cases/{self.case}/programme", self.callers.leader, self.programme_body(**overrides))
        return self

    def team_body(self, **overrides: Any) -> dict[str, Any]:
        return {"leader": str(self.callers.leader.person), "members": [str(self.callers.member.person)],
                "experts": [], "on": iso(self.day(5)), **overrides}

    def team(self, **overrides: Any) -> HttpWalk:
        self.post("team", f"/cases/{self.case}/team", self.callers.admin, self.team_body(**overrides))
        return self

    def stage1_body(self, **overrides: Any) -> dict[str, Any]:
        return {"conducted_on": iso(self.day(10)), "on_site": True, "findings": "体系文件基本完整，具备二阶段审核条件",
                "person_days": 1, "key_audit_points": KEY_POINTS, **overrides}

    def stage1(self, **overrides: Any) -> HttpWalk:
        self.post("stage1", f"/cases/{self.case}/stage1", self.callers.leader, self.stage1_body(**overrides))
        return self

    def stage2(self, majors: int = 1, review: bool = True, **overrides: Any) -> HttpWalk:
        """Stage 2 and, unless ``review`` is False, the data review recorded on its date (R-GHG-4)."""
        body = {"conducted_on": iso(self.day(20)), "person_days": 3,
                "nonconformities": [{"ref": f"NC-{i + 1}", "severity": "major", "description": "能源计量器具未校准"}
                                    for i in range(majors)], **overrides}
        self.post("stage2", f"/cases/{self.case}/stage2", self.callers.member, body)
        if review:
            self.data_review()
        return self

    def activity_datum_body(self, **overrides: Any) -> dict[str, Any]:
        return {"item": "天然气消耗量", "unit": "万Nm3", "source": "燃气计量表读数",
                "monitoring_method": "流量计在线计量", "monitoring_frequency": "连续", "recording_frequency": "每日",
                "missing_data_handling": "以同期平均值替代并注明",
                "calibration": {"equipment": "燃气流量计 FT-01", "calibrated_on": iso(self.day(-100)),
                                "valid_until": iso(self.day(200))},
                "cross_checks": [{"source_kind": "燃料合同", "reference": "供气结算单", "agrees": True}],
                "sampling": None, "data_class": "continuous", "lower_class_reason": "", "emissions_tco2e": "1200",
                "reviewed_on": iso(self.day(20)), **overrides}

    def data_review(self, **overrides: Any) -> HttpWalk:
        self.post("activity-data", f"/cases/{self.case}/data-review/activity-data", self.callers.member,
                  self.activity_datum_body(**overrides), 201)
        return self

    def report_body(self, **overrides: Any) -> dict[str, Any]:
        return {"submitted_on": iso(self.day(22)), "focus_points": FOCUS,
                "quantified_performance": [{"indicator": "单位发电量碳排放", "unit": "tCO2/MWh", "baseline": "0.85",
                                            "target": "0.80", "actual": "0.79"}],
                "measurement_and_verification": "依据GB/T 32151核算，抽样核对燃料台账与购售电发票",
                "improvement_evaluation": "体系运行有效促进了碳绩效持续改进", **overrides}

    def report(self, **overrides: Any) -> HttpWalk:
        self.post("report", f"/cases/{self.case}/report", self.callers.leader, self.report_body(**overrides))
        return self

    def close(self, ref: str = "NC-1", on: date | None = None) -> HttpWalk:
        self.post(f"closure:{ref}", f"/cases/{self.case}/nonconformities/{ref}/closure", self.callers.leader,
                  {"closed_on": iso(on or self.day(25)), "evidence": "计量器具校准证书"})
        return self

    def decision_body(self, **overrides: Any) -> dict[str, Any]:
        return {"decided_on": iso(self.day(30)), "grant": True, "conditions": CONDITIONS,
                "reasons": "满足认证决定条件，批准注册", **overrides}

    def decide(self, **overrides: Any) -> HttpWalk:
        self.number = self.post("decision", f"/cases/{self.case}/decision", self.callers.decision,
                                self.decision_body(**overrides), 200, "certificate_number")["certificate_number"]
        return self

    # Shortcuts

    def to_acceptance(self) -> HttpWalk:
        return self.organization().apply().documents().accept()

    def to_team(self) -> HttpWalk:
        return self.to_acceptance().agree().programme().team()

    def to_report(self) -> HttpWalk:
        return self.to_team().stage1().stage2().report()

    def to_certificate(self) -> HttpWalk:
        return self.to_report().close().decide()

    # The certificate (§9, §11)

    def certificate_post(self, what: str, caller: Caller, body: dict[str, Any], status: int = 200,
                         *ids: str) -> dict[str, Any]:
        return self.post(what, f"/certificates/{self.certificate}/{what}", caller, body, status, *ids)

    def review_surveillance(self, on: date, caller: Caller | None = None, **overrides: Any) -> dict[str, Any]:
        """R-GHG-2: an activity datum reviewed on ``on`` for the coming surveillance audit (by the leader)."""
        return self.certificate_post("data-review/activity-data", caller or self.callers.leader,
                                     self.activity_datum_body(reviewed_on=iso(on), **overrides), 201)

    def suspend(self, on: date, known_on: date | None = None, ground: str = "enforcement_penalty") -> dict[str, Any]:
        return self.certificate_post("suspension", self.callers.decision,
                                     {"on": iso(on), "known_on": iso(known_on or on), "ground": ground,
                                      "detail": "获证组织在证书有效期内受到生态环境部门行政处罚"})

    def withdraw(self, on: date, known_on: date | None = None, ground: str = "major_defect") -> dict[str, Any]:
        return self.certificate_post("withdrawal", self.callers.decision,
                                     {"on": iso(on), "known_on": iso(known_on or on), "ground": ground,
                                      "detail": "体系存在严重缺陷"})

    def get_certificate(self, caller: Caller | None = None, as_of: date | None = None) -> dict[str, Any]:
        params = {"as_of": iso(as_of)} if as_of else None
        response = self.client.get(f"{API}/certificates/{self.certificate}", params=params,
                                   headers=(caller or self.callers.regulator).headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def certificate_history(self, caller: Caller | None = None) -> list[dict[str, Any]]:
        return history(self.client, f"/certificates/{self.certificate}", caller or self.callers.regulator)

    def organization_history(self, caller: Caller | None = None) -> list[dict[str, Any]]:
        return history(self.client, f"/organizations/{self.uscc}", caller or self.callers.regulator)
