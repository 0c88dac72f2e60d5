"""The certificate page's surveillance forms (issue 23), each building the command its API route builds from the
same fields: the surveillance audit with on site, the five items of §9.1.3 (``content.<item>``), its
nonconformities typed one a line and its person-days (R-SURV-5); the surveillance programme (R-SURV-5); a major
change or incident (R-SURV-6); the closure of a surveillance nonconformity (R-SURV-5).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from api.office.case_forms import rows_of, yes_of
from api.office.frame import Form
from registry.commands import (
    CloseSurveillanceNonconformity,
    RecordIncident,
    RecordSurveillanceAudit,
    SetSurveillanceProgramme,
)
from registry.errors import InvalidInput
from registry.values import SURVEILLANCE_CONTENT, Nonconformity, Severity, parse_enum

NONCONFORMITY_HINT = ("每行一项：编号 | major 或 minor | 纠正期限 | 描述，"
                      "例如“S1-1 | minor | 2027-04-20 | 计量台账未更新”；没有则留空 / "
                      "One a line: ref | major or minor | due by | description; leave empty if none")


def _person_days(form: Form) -> Decimal | None:
    value = form.text("person_days")
    if not value:
        return None  # the registry refuses the audit, naming R-SURV-5
    try:
        days = Decimal(value)
    except InvalidOperation:
        raise InvalidInput("person_days", f"person_days：请填写人日数 / person_days: a number, not {value!r}") from None
    if not days.is_finite():
        raise InvalidInput("person_days", f"person_days：请填写人日数 / person_days: a number, not {value!r}")
    return days


def _nonconformities(form: Form) -> tuple[Nonconformity, ...]:
    found = []
    for i, (ref, severity, due_by, text) in enumerate(rows_of(form, "nonconformities", 4, 4)):
        due = Form({"due_by": due_by}).optional_day("due_by")
        found.append(Nonconformity(ref, parse_enum(Severity, severity.lower(), f"nonconformities.{i}.severity"),
                                   text, due))
    return tuple(found)


def surveillance_audit(number: str, form: Form) -> RecordSurveillanceAudit:
    content = {item: form.text(f"content.{item}") for item in SURVEILLANCE_CONTENT}
    return RecordSurveillanceAudit(number, form.day("conducted_on"), form.text("leader"), tuple(form.all("members")),
                                   form.text("outcome", "maintained") or "maintained", form.flag("additional"),
                                   form.text("reason"), on_site=yes_of(form, "on_site", True), content=content,
                                   nonconformities=_nonconformities(form), person_days=_person_days(form))


def programme(number: str, form: Form) -> SetSurveillanceProgramme:
    value = form.text("frequency_months")
    try:
        months = int(value)
    except ValueError:
        raise InvalidInput("frequency_months", f"frequency_months：请填写 1 至 12 的整数 / a whole number of months "
                                               f"from 1 to 12, not {value!r}") from None
    return SetSurveillanceProgramme(number, months, form.text("basis"), form.optional_day("on"))


def incident(number: str, form: Form) -> RecordIncident:
    return RecordIncident(number, form.text("kind"), form.day("occurred_on"), form.day("reported_on"),
                          form.text("description"), form.day("additional_audit_due_by"))


def closure(number: str, ref: str, form: Form) -> CloseSurveillanceNonconformity:
    return CloseSurveillanceNonconformity(number, ref, form.day("closed_on"), form.text("evidence"))
