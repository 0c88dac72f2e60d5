"""Reading the office's case forms into commands (API.md, "The office"; issue 22): the application
(``POST /office/cases/new``) and each later step of a case, built as the same command, from the same field names, as
the API route of that step (``api.routers.cases``) builds it.

A nested field is named with a dot (``review.information_sufficient``, ``focus_points.carbon_review``); a list of
records is typed one a line with its parts separated by ``|`` (the form says which parts). A field that cannot be read
raises ``InvalidInput``, which ``api.office.frame.attempt`` answers as a refusal beside the form. The routes that
post these forms are in ``api.office.case_steps``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from uuid import UUID

from api.office import names
from api.office.frame import Form
from registry.commands import (
    Apply,
    AppointTeam,
    ApproveProgramme,
    CloseNonconformity,
    ConductStage1,
    ConductStage2,
    Decide,
    DecideAcceptance,
    PlanProgramme,
    RecordSectors,
    RequestSupplement,
    SignAgreement,
    SubmitReport,
)
from registry.errors import InvalidInput
from registry.values import (
    DECISION_CONDITIONS,
    FOCUS_POINTS,
    RECERTIFICATION_ITEMS,
    Basis,
    CycleAudit,
    EmissionControl,
    IntegratedSystem,
    Level,
    Method,
    Nonconformity,
    OtherCertification,
    PerformanceIndicator,
    PlannedAudit,
    ProgrammeBasis,
    Review,
    ScopeLevel,
    Severity,
    TransferInfo,
    TransferStatus,
    TransferVerification,
    VerifiedYear,
    parse_enum,
)


def rows_of(form: Form, name: str, least: int, most: int) -> list[list[str]]:
    """A list of records typed one a line, parts separated by ``|``: each line's parts (``least`` to ``most``)."""
    rows = []
    for number, line in enumerate(form.lines(name), start=1):
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if not least <= len(parts) <= most:
            raise InvalidInput(name, f"{name} 第 {number} 行应有 {least}–{most} 项，以“|”分隔 / {name}, line {number}: "
                                     f"{least} to {most} parts separated by '|' are needed, not {line!r}")
        rows.append(parts + [""] * (most - len(parts)))
    return rows


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(name, f"{name}：请填写日期（年-月-日） / {name}: a date is needed (YYYY-MM-DD), "
                                 f"not {value!r}") from None


def decimal_of(value: str, name: str) -> Decimal:
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        raise InvalidInput(name, f"{name}：请填写数字 / {name}: a number is needed, not {value!r}") from None
    if not number.is_finite():
        raise InvalidInput(name, f"{name}：请填写数字 / {name}: a number is needed, not {value!r}")
    return number


def whole_of(value: str, name: str) -> int:
    try:
        return int(value.strip() or "0")
    except ValueError:
        raise InvalidInput(name, f"{name}：请填写整数 / {name}: a whole number is needed, not {value!r}") from None


def _uuid(value: str, name: str) -> UUID:
    try:
        return UUID(value.strip())
    except ValueError:
        raise InvalidInput(name, f"{name}：请选择人员或填写人员编号 / {name}: choose a person or give a person's id, "
                                 f"not {value!r}") from None


def _people(form: Form, name: str) -> list[UUID]:
    """The people chosen (checkboxes) and typed (one id a line) for ``name``, each once, in order."""
    typed = [line.strip() for value in form.all(name) for line in value.splitlines() if line.strip()]
    return list(dict.fromkeys(_uuid(v, name) for v in typed))


def _choice(form: Form, name: str) -> bool | None:
    """A yes / no / not stated choice: ``true``, ``false`` or empty."""
    value = form.text(name).lower()
    if value in ("", "none", "null"):
        return None
    if value in ("true", "false"):
        return value == "true"
    raise InvalidInput(name, f"{name}：应为是、否或未说明 / {name}: yes, no or not stated, not {value!r}")


def yes_of(form: Form, name: str, default: bool) -> bool:
    """A yes/no choice (``true``/``false``; a checkbox ``on``), ``default`` when not given."""
    value = form.text(name).lower()
    if not value:
        return default
    if value in ("true", "on", "yes", "1"):
        return True
    if value in ("false", "off", "no", "0"):
        return False
    raise InvalidInput(name, f"{name}：应为是或否 / {name}: yes or no, not {value!r}")


def application(form: Form) -> Apply:
    """The application of the form, as ``POST /api/v1/cases`` builds it from a ``CaseCreate``."""
    levels = [ScopeLevel(parse_enum(Level, level, f"levels.{i}.level"), Method.parse(method, f"levels.{i}.method"),
                         reference)
              for i, (level, method, reference) in enumerate(rows_of(form, "levels", 2, 3))]
    certifications = [OtherCertification(system, number, _day(until, f"other_certifications.{i}.valid_until"))
                      for i, (system, number, until) in enumerate(rows_of(form, "other_certifications", 3, 3))]
    transfer = None
    if any(form.text(f"transfer.{f}") for f in ("from_body", "certificate_number", "valid_until", "reason")):
        transfer = TransferInfo(
            from_body=form.text("transfer.from_body"), certificate_number=form.text("transfer.certificate_number"),
            status=parse_enum(TransferStatus, form.text("transfer.status"), "transfer.status"),
            valid_until=_day(form.text("transfer.valid_until"), "transfer.valid_until"),
            reason=form.text("transfer.reason"), issued_on=form.optional_day("transfer.issued_on"),
            verification=TransferVerification(  # R-TRF-2
                form.text("transfer.verification.source"),
                _day(form.text("transfer.verification.checked_on"), "transfer.verification.checked_on"),
                parse_enum(TransferStatus, form.text("transfer.verification.result"), "transfer.verification.result"))
            if form.text("transfer.verification.source") else None)
    return Apply(
        organization_uscc=form.text("organization_uscc"), kind=form.text("kind"),
        applied_on=form.day("applied_on"), scope=form.text("scope"), levels=levels,
        basis=Basis(standard=form.text("basis.standard") or "CCAI-S-C06", version=form.text("basis.version") or "2023",
                    sector_requirements=tuple(form.lines("basis.sector_requirements"))),
        cems_operating_since=form.day("cems_operating_since"),
        emission_control=EmissionControl(form.flag("emission_control.controlled"),
                                          whole_of(form.text("emission_control.cycles_completed"),
                                                 "emission_control.cycles_completed")),
        other_certifications=certifications, incident_report_commitment=form.flag("incident_report_commitment"),
        permits=form.text("permits"), compliance_information=form.text("compliance_information"),
        renewal_of=form.optional("renewal_of"), transfer=transfer, sectors=_chosen(form, "sectors"))


def supplement(case_id: str, form: Form) -> RequestSupplement:
    return RequestSupplement(case_id, form.day("requested_on"), form.all("missing"), form.text("note"))


def acceptance(case_id: str, form: Form) -> DecideAcceptance:
    review = Review(**{name: form.flag(f"review.{name}") for name in names.REVIEW})
    return DecideAcceptance(case_id, form.day("decided_on"), yes_of(form, "accepted", True), review,
                            form.text("reasons"))


def agreement(case_id: str, form: Form) -> SignAgreement:
    return SignAgreement(case_id, form.day("signed_on"), form.day("fee_paid_on"))


def programme(case_id: str, form: Form) -> PlanProgramme:
    integrated = [IntegratedSystem(system, decimal_of(days, f"integrated_with.{i}.standalone_person_days"))
                  for i, (system, days) in enumerate(rows_of(form, "integrated_with", 2, 2))]
    standalone = form.text("cems_standalone_person_days")
    basis_given = any(form.text(f"basis.{name}") for name in names.PROGRAMME_BASIS)
    basis = ProgrammeBasis(**{name: form.text(f"basis.{name}") for name in names.PROGRAMME_BASIS}) if basis_given \
        else None
    cycle = [PlannedAudit(parse_enum(CycleAudit, audit.lower(), f"cycle.{i}.audit"), _day(by, f"cycle.{i}.planned_by"),
                          decimal_of(days, f"cycle.{i}.person_days"))
             for i, (audit, by, days) in enumerate(rows_of(form, "cycle", 3, 3))]
    cems_days = decimal_of(standalone, "cems_standalone_person_days") if standalone else Decimal(4)
    return PlanProgramme(case_id, form.day("planned_on"), decimal_of(form.text("person_days"), "person_days"),
                         integrated, cems_days, basis, cycle, form.text("justification"))


def programme_approval(case_id: str, form: Form) -> ApproveProgramme:
    return ApproveProgramme(case_id, form.day("approved_on"), form.text("note"))


def sectors(case_id: str, form: Form) -> RecordSectors:
    return RecordSectors(case_id, _chosen(form, "sectors"), form.optional_day("on"))


def team(case_id: str, form: Form) -> AppointTeam:
    leader = form.text("leader") or form.text("leader_id")
    return AppointTeam(case_id, _uuid(leader, "leader"), form.day("on"), _people(form, "members"),
                       _people(form, "experts"))


def stage1(case_id: str, form: Form) -> ConductStage1:
    years = [VerifiedYear(whole_of(year, f"verified_years.{i}.year"), verifier)
             for i, (year, verifier) in enumerate(rows_of(form, "verified_years", 2, 2))]
    return ConductStage1(case_id, form.day("conducted_on"), yes_of(form, "on_site", True),
                         form.optional("off_site_ground"), form.text("justification"), form.text("findings"),
                         _spent(form), form.lines("key_audit_points"), form.text("document_review_rationale"), years)


def stage2(case_id: str, form: Form) -> ConductStage2:
    found = [Nonconformity(ref, parse_enum(Severity, severity.lower(), f"nonconformities.{i}.severity"), text)
             for i, (ref, severity, text) in enumerate(rows_of(form, "nonconformities", 3, 3))]
    return ConductStage2(case_id, form.day("conducted_on"), found, yes_of(form, "on_site", True), _spent(form))


def _spent(form: Form) -> Decimal | None:
    """The person-days an audit took (R-PREP-2); None when not given, which the rule refuses by its id."""
    given = form.text("person_days")
    return decimal_of(given, "person_days") if given else None


def _chosen(form: Form, name: str) -> list[str]:
    """The names chosen (checkboxes) and typed (one a line) for ``name``, each once, in order."""
    typed = [line.strip() for value in form.all(name) for line in value.splitlines() if line.strip()]
    return list(dict.fromkeys(typed))


def closure(case_id: str, ref: str, form: Form) -> CloseNonconformity:
    return CloseNonconformity(case_id, ref, form.day("closed_on"), form.text("evidence"))


def report(case_id: str, form: Form) -> SubmitReport:
    focus = {name: text for name in FOCUS_POINTS if (text := form.text(f"focus_points.{name}"))}
    indicators = [PerformanceIndicator(indicator, unit, decimal_of(b, f"quantified_performance.{i}.baseline"),
                                       decimal_of(t, f"quantified_performance.{i}.target"),
                                       decimal_of(a, f"quantified_performance.{i}.actual"))
                  for i, (indicator, unit, b, t, a) in enumerate(rows_of(form, "quantified_performance", 5, 5))]
    # R-RECERT-2: a renewal's four items of §9.2.2, as the API's ``recertification`` (none given: left out).
    four = {item: form.text(f"recertification.{item}") for item in RECERTIFICATION_ITEMS}
    return SubmitReport(case_id, form.day("submitted_on"), focus, indicators,
                        form.text("measurement_and_verification"), form.text("improvement_evaluation"),
                        form.text("cycle_effectiveness"), form.text("actual_reductions"),
                        four if any(four.values()) else None)


def decision(case_id: str, form: Form) -> Decide:
    conditions = {name: _choice(form, f"conditions.{name}") for name in DECISION_CONDITIONS}
    return Decide(case_id, form.day("decided_on"), yes_of(form, "grant", True), conditions, form.text("reasons"))
