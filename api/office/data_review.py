"""The office's greenhouse-gas data review (§7; R-GHG-2..4; issue 23): the forms on a case's page that record an
activity-data item, an emission factor and the §7.1 findings (``POST /office/cases/{id}/data-review/…``), the
reference tables of default factors for admins (``GET``/``POST /office/reference/emission-factor-tables``), and
what the certificate page and the regulator's history show of a review (``profiles``, ``review_detail``).

Each form is read into the command the API's route sends (``api.routers.data_review``), from the same field names
(a nested one with a dot: ``calibration.equipment``, ``guideline.table``; cross-checks one a line as
``source_kind | reference | agrees``); the application alone judges it, and a refusal comes back beside its form on
the case's page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.office import names
from api.office.case_forms import decimal_of, rows_of, whole_of, yes_of
from api.office.case_steps import step_form
from api.office.frame import Form, Office, Refusal, Signed, attempt, done, page, posted, read, registry_of
from registry.application import Registry
from registry.commands import Command
from registry.data_review import (
    ActivityDatum,
    Calibration,
    CrossCheck,
    DataClass,
    DataOrigin,
    EmissionFactor,
    FactorEntry,
    FactorTier,
    Guideline,
    ReviewFields,
    ReviewFindings,
    Sampling,
)
from registry.errors import NotFound, RegistryError
from registry.history import HistoryEntry
from registry.review_commands import (
    PublishFactorTable,
    RecordReviewFindings,
    RecordSurveillanceFindings,
    ReviewActivityDatum,
    ReviewEmissionFactor,
    ReviewSurveillanceDatum,
    ReviewSurveillanceFactor,
)
from registry.review_steps import ReviewedItems
from registry.values import Level, parse_enum

router = APIRouter(prefix="/office", include_in_schema=False)
FORMS = ("activity_datum", "emission_factor", "review_findings")  # the names of the case page's forms


# Reading the forms


def _review_fields(form: Form) -> ReviewFields:
    calibration = None
    if any(form.text(f"calibration.{f}") for f in ("equipment", "calibrated_on", "valid_until")):
        calibration = Calibration(form.text("calibration.equipment"), form.day("calibration.calibrated_on"),
                                  form.day("calibration.valid_until"))
    checks = [CrossCheck(kind, reference, yes_of(form_of(agrees), "agrees", True))
              for kind, reference, agrees in rows_of(form, "cross_checks", 1, 3)]
    sampling = None
    if any(form.text(f"sampling.{f}") for f in ("principle", "method", "sample_size")):
        sampling = Sampling(form.text("sampling.principle"), form.text("sampling.method"),
                            whole_of(form.text("sampling.sample_size"), "sampling.sample_size"))
    return ReviewFields(form.text("monitoring_method"), form.text("monitoring_frequency"),
                        form.text("recording_frequency"), form.text("missing_data_handling"), calibration,
                        tuple(checks), sampling)


def form_of(agrees: str) -> Form:
    """A one-field form, so that a cross-check's "agrees" part reads as a yes/no choice does."""
    return Form({"agrees": agrees.lower().replace("是", "yes").replace("否", "no")})


def _level(form: Form) -> Level | None:
    value = form.text("level")
    return parse_enum(Level, value, "level") if value else None


def _origin(form: Form) -> DataOrigin | None:
    value = form.text("data_origin")
    return parse_enum(DataOrigin, value, "data_origin") if value else None


def datum_of(form: Form) -> ActivityDatum:
    """An activity datum as the forms (a case's, a certificate's) send it."""
    return ActivityDatum(
        form.text("item"), form.text("unit"), form.text("source"), _review_fields(form),
        parse_enum(DataClass, form.text("data_class"), "data_class"), form.text("lower_class_reason"),
        decimal_of(form.text("emissions_tco2e"), "emissions_tco2e"), _level(form), _origin(form),
        form.text("secondary_reason"))


def activity_datum(case_id: str, form: Form) -> ReviewActivityDatum:
    return ReviewActivityDatum(case_id, datum_of(form), form.optional_day("reviewed_on"))


def emission_factor(case_id: str, form: Form) -> ReviewEmissionFactor:
    return ReviewEmissionFactor(case_id, factor_of(form), form.optional_day("reviewed_on"))


def surveillance_datum(number: str, form: Form) -> ReviewSurveillanceDatum:
    """The certificate page's form: an activity datum for the coming surveillance audit."""
    return ReviewSurveillanceDatum(number, datum_of(form), form.optional_day("reviewed_on"))


def surveillance_factor(number: str, form: Form) -> ReviewSurveillanceFactor:
    """The certificate page's form: an emission factor for the coming surveillance audit."""
    return ReviewSurveillanceFactor(number, factor_of(form), form.optional_day("reviewed_on"))


def surveillance_findings(number: str, form: Form) -> RecordSurveillanceFindings:
    """The certificate page's form: the §7.1 findings on the coming surveillance audit's data."""
    return RecordSurveillanceFindings(number, findings_of(form), form.optional_day("reviewed_on"))


def findings_of(form: Form) -> ReviewFindings:
    return ReviewFindings(form.text("representativeness"), form.text("completeness"), form.text("accuracy"))


def factor_of(form: Form) -> EmissionFactor:
    """An emission factor as the forms (a case's, a certificate's) send it."""
    tier = parse_enum(FactorTier, form.text("tier"), "tier")
    is_default = yes_of(form, "is_default", False)
    guideline = None
    if any(form.text(f"guideline.{f}") for f in ("table", "version", "key")):
        guideline = Guideline(form.text("guideline.table"), form.text("guideline.version"), form.text("guideline.key"))
    measured = tier is FactorTier.MEASURED_OR_MASS_BALANCE or any(
        form.text(f) for f in ("monitoring_method", "monitoring_frequency", "recording_frequency",
                               "missing_data_handling", "calibration.equipment", "cross_checks"))
    return EmissionFactor(
        form.text("item"), decimal_of(form.text("value"), "value"), form.text("unit"), form.text("source"), tier,
        form.text("lower_tier_reason"), is_default, guideline, _review_fields(form) if measured else None,
        decimal_of(form.text("emissions_tco2e"), "emissions_tco2e"), _level(form), _origin(form),
        form.text("secondary_reason"))


def review_findings(case_id: str, form: Form) -> RecordReviewFindings:
    return RecordReviewFindings(case_id, findings_of(form), form.optional_day("reviewed_on"))


def factor_table(form: Form) -> PublishFactorTable:
    entries = [FactorEntry(key, decimal_of(value, f"entries.{i}.value"), unit)
               for i, (key, value, unit) in enumerate(rows_of(form, "entries", 3, 3))]
    return PublishFactorTable(form.text("table"), form.text("version"), entries, form.optional_day("published_on"))


# The case page's forms


def _case_step(name: str, build: Callable[[str, Form], Command], message: str) -> None:
    async def post(request: Request, signed: Office, case_id: str) -> Response:
        return await step_form(request, signed, case_id, name, lambda f: build(case_id, f), message)
    path = {"activity_datum": "activity-data", "emission_factor": "emission-factors",
            "review_findings": "findings"}[name]
    router.add_api_route(f"/cases/{{case_id}}/data-review/{path}", post, methods=["POST"], name=f"office_{name}")


_case_step("activity_datum", activity_datum, "已记录活动数据 / Activity datum recorded")
_case_step("emission_factor", emission_factor, "已记录排放因子 / Emission factor recorded")
_case_step("review_findings", review_findings, "已记录数据评审结论 / Review findings recorded")


# The reference tables (admin)


def _table(registry: Registry, signed: Signed, table: str, version: str) -> dict[str, Any] | None:
    registry.authorize(None, None, signed.caller.signed_in)
    if not table or not version:
        return None
    try:
        return registry.get_factor_table(table, version)
    except NotFound:
        return {}


async def _tables_page(request: Request, signed: Signed, status: int = 200, refusal: Refusal | None = None,
                       form: Form | None = None, table: str = "", version: str = "") -> HTMLResponse:
    found = await read(request, _table, registry_of(request), signed, table, version)
    return page(request, signed, "factor_tables", status, refusal=refusal, values=form.values() if form else {},
                found=found, table=table, version=version, done=request.query_params.get("done"))


@router.get("/reference/emission-factor-tables")
async def tables(request: Request, signed: Office, table: str = "", version: str = "") -> HTMLResponse:
    """The form that publishes a version of a reference table, and a table looked up by name and version."""
    return await _tables_page(request, signed, table=table.strip(), version=version.strip())


@router.post("/reference/emission-factor-tables")
async def publish(request: Request, signed: Office) -> Response:
    form = Form(await posted(request, signed))
    handled = await attempt(request, signed, lambda: factor_table(form))
    if isinstance(handled, Refusal):
        return await _tables_page(request, signed, handled.status, handled, form)
    table, version = form.text("table"), form.text("version")
    return done(f"/office/reference/emission-factor-tables?{urlencode({'table': table, 'version': version})}",
                f"已发布参考表 {table} {version} / Reference table published")


# What other pages show of a review


def _shown(registry: Registry, review: ReviewedItems, names: dict[str, str]) -> dict[str, Any]:
    """A review as a page shows it: its quality profile, its items' count and emissions, its flags and who reviewed
    it, by name (``names``: the names read so far, by person id)."""
    reviewers = sorted({item["reviewed_by"] for item in (*review.activity_data, *review.emission_factors)} - {None})
    for pid in reviewers:
        if pid not in names:
            try:
                names[pid] = registry.get_person(pid).name
            except RegistryError:
                names[pid] = pid
    return {"quality_profile": review.quality_profile, "activity": len(review.activity_data),
            "factors": len(review.emission_factors), "emissions": review.emissions_tco2e, "flags": review.flags,
            "reviewers": [(pid, names[pid]) for pid in reviewers]}


def profiles(registry: Registry, case_ids: Iterable[UUID]) -> list[dict[str, Any]]:
    """Each case's data review as the certificate page and the regulator's history show it: its quality profile,
    its items' count and emissions, its flags and who reviewed it, by name."""
    shown: list[dict[str, Any]] = []
    names: dict[str, str] = {}
    for cid in case_ids:
        try:
            review = registry.get_data_review(cid)
        except RegistryError:
            continue
        shown.append({"case_id": cid, "findings": review.findings, **_shown(registry, review, names)})
    return shown


def surveillance_profiles(registry: Registry, number: str) -> dict[str, Any]:
    """The certificate's surveillance data review as its page and the regulator's history show it (R-GHG-4): the
    data pending for the coming audit, and each recorded surveillance audit's, each as ``profiles`` shows a case's;
    the scope's levels, for the forms."""
    review = registry.get_surveillance_review(number)
    names: dict[str, str] = {}
    return {"levels": review.levels, "pending": {**_shown(registry, review.pending, names),
                                                 "findings": review.pending_findings},
            "audits": [{"conducted_on": a.conducted_on, **_shown(registry, a, names), "findings": a.findings}
                       for a in review.audits]}


def profile_line(profile: dict[str, dict[str, Any]] | None) -> str:
    """A quality profile as recorded (R-GHG-4), in a line: each class's and tier's share, Chinese with the codes'
    English; "" for none."""
    if not profile:
        return ""
    parts = []
    for table, shares in ((names.DATA_CLASSES, profile.get("by_class") or {}),
                          (names.FACTOR_TIERS, profile.get("by_tier") or {})):
        parts.append("、".join(f"{names.name(table, code)[0]} {names.name(table, code)[1]} "
                              f"{float(share) * 100:.1f}%" for code, share in shares.items()) or "—")
    return f"数据质量 Data quality：活动数据 {parts[0]}；排放因子 {parts[1]}"


def review_detail(e: HistoryEntry) -> str:
    """The line a history shows for a data-review event, or for the surveillance audit that took its data; "" for
    any other event."""
    d = e.data
    match e.type:
        case "SurveillanceAuditRecorded":
            return profile_line(d.get("quality_profile"))
        case "ActivityDatumReviewed" | "SurveillanceActivityDatumReviewed":
            datum = d.get("datum") or {}
            cls = names.name(names.DATA_CLASSES, str(datum.get("data_class", "")))
            lapsed = "；校准已过期 Calibration lapsed" if d.get("calibration_lapsed") else ""
            return (f"{datum.get('item', '')}（{datum.get('unit', '')}）· {cls[0]} {cls[1]} · "
                    f"{datum.get('emissions_tco2e', '')} tCO2e{lapsed}")
        case "EmissionFactorReviewed" | "SurveillanceEmissionFactorReviewed":
            factor = d.get("factor") or {}
            tier = names.name(names.FACTOR_TIERS, str(factor.get("tier", "")))
            default = "；缺省值 Default" if factor.get("is_default") else ""
            return (f"{factor.get('item', '')} = {factor.get('value', '')} {factor.get('unit', '')} · "
                    f"{tier[0]} {tier[1]} · {factor.get('emissions_tco2e', '')} tCO2e{default}")
        case "ReviewFindingsRecorded" | "SurveillanceReviewFindingsRecorded":
            found = d.get("findings") or {}
            return f"代表性 Representativeness：{found.get('representativeness', '')}"
        case "FactorTablePublished":
            return f"{d.get('table', '')} {d.get('table_version', '')}"
    return ""
