"""The greenhouse-gas data review of a case (§7; R-GHG-2..4), of a certificate's surveillance audits (§9.1.3;
registry.surveillance_review), and the body's reference tables of default emission factors (R-GHG-3)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request

from api.deps import Admin, Auditor, Reader, RegistryDep, role_doc
from api.review_schemas import (
    ActivityDatumCreate,
    DataReviewOut,
    EmissionFactorCreate,
    FactorTableCreate,
    FindingsCreate,
    SurveillanceDataReviewOut,
)
from api.routers.certificates import as_issued
from api.schemas import Code, Name, Written
from registry.review_commands import (
    PublishFactorTable,
    RecordReviewFindings,
    RecordSurveillanceFindings,
    ReviewActivityDatum,
    ReviewEmissionFactor,
    ReviewSurveillanceDatum,
    ReviewSurveillanceFactor,
)

router = APIRouter(tags=["data review · 数据评审"])
TEAM = role_doc("auditor (an auditor of the case's team)")
READERS = role_doc("any staff", "regulator")
MAY_AUDIT = role_doc("auditor (one who may audit the client on the date reviewed: R-TEAM-2, R-STAFF-1, R-SOD-1)")


@router.post("/api/v1/cases/{case_id}/data-review/activity-data", status_code=201, response_model=Written,
             openapi_extra=TEAM, summary="Record one activity-data item of the data review (R-GHG-2)")
async def activity_datum(case_id: UUID, body: ActivityDatumCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(ReviewActivityDatum(case_id, body.datum(), body.reviewed_on), body)


@router.post("/api/v1/cases/{case_id}/data-review/emission-factors", status_code=201, response_model=Written,
             openapi_extra=TEAM,
             summary="Record one emission factor of the data review (R-GHG-3; a default equals the reference table)")
async def emission_factor(case_id: UUID, body: EmissionFactorCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(ReviewEmissionFactor(case_id, body.factor(), body.reviewed_on), body)


@router.post("/api/v1/cases/{case_id}/data-review/findings", response_model=Written, openapi_extra=TEAM,
             summary="The reviewer's §7.1 findings: representativeness, completeness (cut-off), accuracy")
async def findings(case_id: UUID, body: FindingsCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(RecordReviewFindings(case_id, body.findings(), body.reviewed_on), body)


@router.get("/api/v1/cases/{case_id}/data-review", response_model=DataReviewOut, openapi_extra=READERS,
            summary="The case's data review: items, calibration flags, findings and the quality profile (R-GHG-4)")
def data_review(case_id: UUID, registry: RegistryDep, _: Reader) -> dict[str, Any]:
    view = registry.get_data_review(case_id)
    return {**asdict(view), "case_id": str(view.case_id)}


# A certificate's surveillance data review: the items of its coming surveillance audit


@router.post("/api/v1/certificates/{number}/data-review/activity-data", status_code=201, response_model=Written,
             openapi_extra=MAY_AUDIT, tags=["certificates · 证书"],
             summary="Record one activity-data item for the coming surveillance audit (R-GHG-2); the audit takes it")
async def surveillance_datum(number: str, body: ActivityDatumCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(ReviewSurveillanceDatum(number, body.datum(), body.reviewed_on), body)


@router.post("/api/v1/certificates/{number}/data-review/emission-factors", status_code=201, response_model=Written,
             openapi_extra=MAY_AUDIT, tags=["certificates · 证书"],
             summary="Record one emission factor for the coming surveillance audit (R-GHG-3; a default equals the "
                     "reference table)")
async def surveillance_factor(number: str, body: EmissionFactorCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(ReviewSurveillanceFactor(number, body.factor(), body.reviewed_on), body)


@router.post("/api/v1/certificates/{number}/data-review/findings", response_model=Written, openapi_extra=MAY_AUDIT,
             tags=["certificates · 证书"],
             summary="The reviewer's §7.1 findings on the coming surveillance audit's data: representativeness, "
                     "completeness (cut-off), accuracy; the audit takes them into its record")
async def surveillance_findings(number: str, body: FindingsCreate, w: Auditor) -> dict[str, Any]:
    return await w.run(RecordSurveillanceFindings(number, body.findings(), body.reviewed_on), body)


@router.get("/api/v1/certificates/{number}/data-review", response_model=SurveillanceDataReviewOut,
            openapi_extra=READERS, tags=["certificates · 证书"],
            summary="The certificate's surveillance data review: the items pending for the coming audit and each "
                    "recorded surveillance audit's, each with its quality profile (R-GHG-4)")
def surveillance_review(number: str, request: Request, registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return asdict(as_issued(request, number, registry.get_surveillance_review))


@router.post("/api/v1/reference/emission-factor-tables", status_code=201, response_model=Written,
             openapi_extra=role_doc("admin"),
             summary="Publish a version of a reference table of the accounting guidelines' default factors")
async def publish_table(body: FactorTableCreate, w: Admin) -> dict[str, Any]:
    return await w.run(PublishFactorTable(body.table, body.version, body.table_entries(), body.published_on), body,
                       id="table")


@router.get("/api/v1/reference/emission-factor-tables/{table}/{version}", openapi_extra=READERS,
            summary="One version of a reference table of default factors")
def factor_table(table: Name, version: Code, registry: RegistryDep, _: Reader) -> dict[str, Any]:
    return registry.get_factor_table(table, version)
