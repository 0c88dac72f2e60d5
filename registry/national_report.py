"""A month's report to the national certification information platform (R-RPT-1), as plain rows: pure functions from
an event of the log (with its position and the organisation it concerned then) to the row it gives, if any.

Three sheets, as the platform takes them: audit plans (a case's audit programme, a certificate's surveillance
programme), certificates (issued, changed, suspended, reinstated, withdrawn, cancelled, expired) and audit results
(the initial certification's stage 2, each surveillance audit). Rows are in log order; an event effective in an
earlier month than the report's (recorded after that month's report closed) is a late entry (补报).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from registry.base import RegistryAggregate
from registry.case import Case
from registry.certificate import Certificate
from registry.clock import SHANGHAI
from registry.national_reporting import first_day

SHEETS = ("audit_plans", "certificates", "audit_results")
SHEET_TITLES = {"audit_plans": "审核方案 Audit plans", "certificates": "证书 Certificates",
                "audit_results": "审核结果 Audit results"}

# What each reported event is, on the platform: its sheet and the change it reports (Chinese / English).
CHANGES: dict[type[Any], tuple[str, str, str]] = {
    Case.ProgrammePlanned: ("audit_plans", "audit_programme", "审核方案 / audit programme"),
    Certificate.SurveillanceProgrammeSet: ("audit_plans", "surveillance_programme", "监督审核方案 / surveillance "
                                                                                    "programme"),
    Certificate.Issued: ("certificates", "issued", "颁发 / issued"),
    Certificate.Changed: ("certificates", "changed", "变更 / changed"),
    Certificate.Suspended: ("certificates", "suspended", "暂停 / suspended"),
    Certificate.Reinstated: ("certificates", "reinstated", "恢复 / reinstated"),
    Certificate.Withdrawn: ("certificates", "withdrawn", "撤销 / withdrawn"),
    Certificate.Cancelled: ("certificates", "cancelled", "注销 / cancelled"),
    Certificate.Expired: ("certificates", "expired", "过期 / expired"),
    Case.Stage2Conducted: ("audit_results", "initial_audit", "初次认证第二阶段审核 / initial certification, stage 2"),
    Certificate.SurveillanceAuditRecorded: ("audit_results", "surveillance_audit", "监督审核 / surveillance audit"),
}
# The events' names as stored in their topics (``module:Class.Event``), to pass over the others undecoded.
TOPIC_ENDINGS = tuple(sorted(cls.__qualname__ for cls in CHANGES))

COLUMNS = ("position", "event", "change", "certificate_number", "case_id", "organization", "uscc", "effective_on",
           "valid_until", "recorded_at", "late", "detail")
HEADERS = ("日志位置 Log position", "事件 Event", "变化 Change", "证书编号 Certificate number", "认证案卷 Case",
           "组织名称 Organisation", "统一社会信用代码 USCC", "生效日期 Effective date", "有效期至 Valid until",
           "记录时间（北京时间） Recorded at (Asia/Shanghai)", "补报 Late entry", "说明 Details")


@dataclass(frozen=True)
class ReportRow:
    sheet: str
    position: int  # the log position of the event that produced it
    event: str  # Record.Event
    change: str
    certificate_number: str
    case_id: str
    organization: str
    uscc: str
    effective_on: date
    valid_until: date | None
    recorded_at: str  # Asia/Shanghai, to the second
    late: bool  # effective in a month before the report's: recorded after that month's report closed
    detail: str

    def plain(self) -> dict[str, Any]:
        return {"sheet": self.sheet, "position": self.position, "event": self.event, "change": self.change,
                "certificate_number": self.certificate_number, "case_id": self.case_id,
                "organization": self.organization, "uscc": self.uscc, "effective_on": self.effective_on.isoformat(),
                "valid_until": self.valid_until.isoformat() if self.valid_until else None,
                "recorded_at": self.recorded_at, "late": self.late, "detail": self.detail}

    def cells(self) -> tuple[Any, ...]:
        return (self.position, self.event, CHANGES_BY_CODE[self.change], self.certificate_number, self.case_id,
                self.organization, self.uscc, self.effective_on, self.valid_until, self.recorded_at,
                "是 / yes" if self.late else "", self.detail)


OUTCOMES = {"maintained": "保持认证", "nonconformities": "有不符合项"}
CHANGES_BY_CODE = {code: words for _sheet, code, words in CHANGES.values()}


@dataclass(frozen=True)
class NationalReport:
    """A month's report: its rows in log order (the same rows for every run once the month is over: nothing recorded
    later is recorded in it)."""

    month: str
    rows: tuple[ReportRow, ...]

    def sheet(self, name: str) -> list[ReportRow]:
        return [row for row in self.rows if row.sheet == name]

    def plain(self) -> dict[str, Any]:
        return {"month": self.month, "rule": "R-RPT-1",
                **{name: [row.plain() for row in self.sheet(name)] for name in SHEETS}}


def reported(event: Any) -> bool:
    return type(event) in CHANGES


def row_of(event: RegistryAggregate.Event, position: int, month: str, *, number: str, case_id: str,
           organization: str, uscc: str, valid_until: date | None) -> ReportRow:
    """The row a reported event gives in ``month``'s report."""
    sheet, change, _words = CHANGES[type(event)]
    effective = event.dated
    recorded = event.recorded_at.astimezone(SHANGHAI).replace(tzinfo=None)
    return ReportRow(sheet, position, type(event).__qualname__, change,
                     number, case_id, organization, uscc, effective, valid_until,
                     recorded.isoformat(timespec="seconds"), effective < first_day(month), _detail(event))


def _detail(event: Any) -> str:
    match event:
        case Case.ProgrammePlanned():
            audits = "; ".join(f"{a.audit.value} {a.planned_by.isoformat()} ({a.person_days})" for a in event.cycle)
            return f"人日 person-days {event.person_days}" + (f"; {audits}" if audits else "")
        case Certificate.SurveillanceProgrammeSet():
            return (f"频次 {event.frequency_months} 个月，下次监督审核截止 {event.next_due_by.isoformat()} / every "
                    f"{event.frequency_months} months, next surveillance audit by {event.next_due_by.isoformat()}")
        case Certificate.Issued():
            return f"{event.scope} ({event.basis.standard}:{event.basis.version})"
        case Certificate.Changed():
            return f"第 {event.certificate_version} 版 / version {event.certificate_version}: {event.scope}"
        case Certificate.Suspended() | Certificate.Withdrawn() | Certificate.Cancelled():
            return f"{event.ground.value}: {event.detail}"
        case Certificate.Reinstated():
            return event.evidence
        case Case.Stage2Conducted():
            return (f"不符合项 {len(event.nonconformities)} 项 / {len(event.nonconformities)} nonconformities"
                    + ("" if event.on_site else "; 非现场 / not on site"))
        case Certificate.SurveillanceAuditRecorded():
            outcome = OUTCOMES.get(event.outcome.value, event.outcome.value)
            return (f"{outcome} / {event.outcome.value}" + ("; 特殊审核 / additional" if event.additional else "")
                    + f"; 下次截止 / next due {event.next_due_by.isoformat()}")
    return ""

