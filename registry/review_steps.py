"""The registry's commands and reads of the greenhouse-gas data review (§7; R-GHG-2..4), a case's and a
certificate's for its surveillance audits (registry.surveillance_review), and of the body's reference tables of
default emission factors (R-GHG-3). A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any
from uuid import UUID

from registry.data_review import ActivityDatum, EmissionFactor, FactorEntry, QualityProfile, ReviewFindings
from registry.errors import AlreadyExists, NotFound, NotPermitted
from registry.factor_tables import EmissionFactorTable, factor_table_id
from registry.history import plain
from registry.idempotency import Idempotency
from registry.person import Person
from registry.review_commands import (
    PublishFactorTable,
    RecordReviewFindings,
    RecordSurveillanceFindings,
    ReviewActivityDatum,
    ReviewEmissionFactor,
    ReviewSurveillanceDatum,
    ReviewSurveillanceFactor,
)
from registry.reviewed import Reviewed, profile_of
from registry.rules import check_not_future
from registry.section import Section
from registry.values import Actor, Written


def share(value: Fraction) -> float:
    """A share as the API answers it: a number, to six places."""
    return round(float(value), 6)


@dataclass(frozen=True)
class ReviewedItems:
    """Reviewed items as a review shows them: each with its audit date, auditor and calibration flag, the items
    whose equipment calibration had lapsed on the audit date, and the data-quality profile (R-GHG-4)."""

    activity_data: tuple[dict[str, Any], ...]
    emission_factors: tuple[dict[str, Any], ...]
    flags: tuple[dict[str, Any], ...]
    quality_profile: dict[str, dict[str, float]]
    emissions_tco2e: str  # the activity data's reviewed emissions, in all

    @property
    def empty(self) -> bool:
        return not self.activity_data and not self.emission_factors


def reviewed_items(activity: Sequence[Reviewed], factors: Sequence[Reviewed]) -> ReviewedItems:
    flags = tuple({"item": r.item.item, "kind": "activity_data" if isinstance(r.item, ActivityDatum)
                   else "emission_factor", "reviewed_on": r.reviewed_on.isoformat(),
                   "valid_until": plain(_calibration_until(r))}
                  for r in (*activity, *factors) if r.calibration_lapsed)
    total = sum((r.item.emissions_tco2e for r in activity), start=Decimal(0))
    return ReviewedItems(activity_data=tuple(_item(r) for r in activity),
                         emission_factors=tuple(_item(r) for r in factors), flags=flags,
                         quality_profile=shares(profile_of(activity, factors)), emissions_tco2e=str(total))


def shares(profile: QualityProfile) -> dict[str, dict[str, float]]:
    """A profile as the API answers it (shares as numbers, to six places)."""
    return {"by_class": {k: share(v) for k, v in profile.by_class.items()},
            "by_tier": {k: share(v) for k, v in profile.by_tier.items()}}


@dataclass(frozen=True)
class DataReviewView(ReviewedItems):
    """A case's data review: its items, the §7.1 findings, and the data-quality profile (R-GHG-4) folded from the
    items."""

    case_id: UUID | None = None
    findings: dict[str, str] | None = None
    levels: tuple[str, ...] = ()  # the scope's levels, each reviewed before a grant


@dataclass(frozen=True)
class AuditDataReview(ReviewedItems):
    """The data review one surveillance audit took into its record (R-GHG-2, R-GHG-4)."""

    conducted_on: date | None = None
    findings: dict[str, str] | None = None  # §7.1


@dataclass(frozen=True)
class SurveillanceDataReview:
    """A certificate's surveillance data review: the items reviewed for the coming surveillance audit (pending),
    and each recorded surveillance audit's, oldest first."""

    number: str
    levels: tuple[str, ...]
    pending: ReviewedItems
    audits: tuple[AuditDataReview, ...]
    pending_findings: dict[str, str] | None = None  # §7.1, recorded for the coming audit


def _item(r: Reviewed) -> dict[str, Any]:
    item: dict[str, Any] = plain(r.item)
    if isinstance(r.item, ActivityDatum):
        item.update(item.pop("review"))  # the review fields beside the others, as the request sent them
    elif item.get("measurement") is not None:
        item.update(item.pop("measurement"))
    else:
        item.pop("measurement", None)
    item.update(reviewed_on=r.reviewed_on.isoformat(), reviewed_by=plain(r.by),
                calibration_lapsed=r.calibration_lapsed)
    if r.guideline_value is not None:
        item["guideline_value"] = str(r.guideline_value)
    return item


class ReviewSteps(Section):
    def review_activity_datum(self, case_id: UUID | str, datum: ActivityDatum, reviewed_on: date | None = None, *,
                              actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-GHG-2: one activity-data item of the case's data review."""
        case = self.case_by_id(case_id)
        today = self._today()
        case.review_activity_datum(datum, reviewed_on or today, today=today, actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def review_emission_factor(self, case_id: UUID | str, factor: EmissionFactor, reviewed_on: date | None = None,
                               *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-GHG-3: one emission factor; a default is checked against the body's reference table it names."""
        case = self.case_by_id(case_id)
        today = self._today()
        case.review_emission_factor(factor, self._default(factor), reviewed_on or today, today=today, actor=actor,
                                    now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def record_review_findings(self, case_id: UUID | str, findings: ReviewFindings, reviewed_on: date | None = None,
                               *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """§7.1: the reviewer's findings on representativeness, completeness (cut-off) and accuracy."""
        case = self.case_by_id(case_id)
        today = self._today()
        case.record_review_findings(findings, reviewed_on or today, today=today, actor=actor, now=self.clock.now())
        return self._commit(case, idempotency=idempotency)

    def publish_factor_table(self, table: str, version: str, entries: Sequence[FactorEntry],
                             published_on: date | None = None, *, actor: Actor,
                             idempotency: Idempotency | None = None) -> Written:
        """R-GHG-3: a version of a reference table of default factors; a version, once published, never changes."""
        today = self._today()
        on = published_on or today
        check_not_future("published_on", on, today)
        created = EmissionFactorTable.publish(table, version, entries, on, actor=actor, now=self.clock.now())
        if self._exists(created.id):
            raise AlreadyExists(f"参考表 {table} {version} 已发布，新的内容须发布为新版本 / {table} version {version} "
                                "is published already: new values are a new version")
        return self._commit(created, table=created.id, idempotency=idempotency)

    # Reads

    def _factor_table(self, table: str, version: str) -> EmissionFactorTable | None:
        try:
            return self._get(EmissionFactorTable, factor_table_id(table, version), f"table {table} {version}")
        except NotFound:
            return None

    def get_factor_table(self, table: str, version: str) -> dict[str, Any]:
        found = self._factor_table(table, version)
        if found is None:
            raise NotFound(f"未找到排放因子参考表 {table} 版本 {version} / "
                           f"no reference table {table} version {version}")
        return found.as_dict()

    def get_data_review(self, case_id: UUID | str) -> DataReviewView:
        case = self.case_by_id(case_id)
        items = reviewed_items(case.activity_data, case.emission_factors)
        return DataReviewView(**vars(items), case_id=case.id,
                              findings=plain(case.review_findings) if case.review_findings else None,
                              levels=tuple(lv.level.value for lv in case.levels))

    # A certificate's surveillance data review (registry.surveillance_review)

    def _default(self, factor: EmissionFactor) -> tuple[Decimal, str] | None:
        """The reference table's value and unit a default factor's guideline names (None when there is none)."""
        if not factor.is_default or factor.guideline is None:
            return None
        table = self._factor_table(factor.guideline.table, factor.guideline.version)
        return table.default(factor.guideline.key) if table is not None else None

    def review_surveillance_datum(self, number: str, datum: ActivityDatum, reviewed_on: date | None = None, *,
                                  actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-GHG-2: one activity-data item for the certificate's coming surveillance audit."""
        cert = self.certificate_by_number(number)
        today = self._today()
        cert.review_surveillance_datum(datum, reviewed_on or today, self._reviewer(actor), today=today, actor=actor,
                                       now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def review_surveillance_factor(self, number: str, factor: EmissionFactor, reviewed_on: date | None = None, *,
                                   actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """R-GHG-3: one emission factor for the certificate's coming surveillance audit; a default is checked
        against the body's reference table it names."""
        cert = self.certificate_by_number(number)
        today = self._today()
        cert.review_surveillance_factor(factor, self._default(factor), reviewed_on or today, self._reviewer(actor),
                                        today=today, actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def record_surveillance_findings(self, number: str, findings: ReviewFindings, reviewed_on: date | None = None,
                                     *, actor: Actor, idempotency: Idempotency | None = None) -> Written:
        """§7.1: the reviewer's findings on the certificate's coming surveillance audit's data."""
        cert = self.certificate_by_number(number)
        today = self._today()
        cert.record_surveillance_findings(findings, reviewed_on or today, self._reviewer(actor), today=today,
                                          actor=actor, now=self.clock.now())
        return self._commit(cert, idempotency=idempotency)

    def _reviewer(self, actor: Actor) -> Person | None:
        if actor.person is None:
            return None
        try:
            return self.person(actor.person)
        except NotFound:
            raise NotPermitted(f"未登记人员 {actor.person}，不能以其身份进行数据评审 / "
                               f"no person {actor.person} on record to review data as") from None

    def get_surveillance_review(self, number: str) -> SurveillanceDataReview:
        cert = self.certificate_by_number(number)
        return SurveillanceDataReview(
            number=cert.number, levels=tuple(sl.level.value for sl in cert.levels),
            pending=reviewed_items(cert.pending_activity, cert.pending_factors),
            audits=tuple(AuditDataReview(**vars(reviewed_items(a.activity_data, a.emission_factors)),
                                         conducted_on=a.conducted_on,
                                         findings=plain(a.findings) if a.findings else None)
                         for a in cert.audit_reviews),
            pending_findings=plain(cert.pending_findings[0]) if cert.pending_findings else None)


def _calibration_until(r: Reviewed) -> date | None:
    fields = r.item.review if isinstance(r.item, ActivityDatum) else r.item.measurement
    return fields.calibration.valid_until if fields is not None and fields.calibration is not None else None


def perform(registry: ReviewSteps, command: object, actor: Actor, key: Idempotency | None) -> Written | None:
    """The step of a data-review or reference-table command (``registry.handling.perform``); None for another."""
    match command:
        case ReviewActivityDatum() as c:
            return registry.review_activity_datum(c.case_id, c.datum, c.reviewed_on, actor=actor, idempotency=key)
        case ReviewEmissionFactor() as c:
            return registry.review_emission_factor(c.case_id, c.factor, c.reviewed_on, actor=actor,
                                                   idempotency=key)
        case RecordReviewFindings() as c:
            return registry.record_review_findings(c.case_id, c.findings, c.reviewed_on, actor=actor,
                                                   idempotency=key)
        case ReviewSurveillanceDatum() as c:
            return registry.review_surveillance_datum(c.number, c.datum, c.reviewed_on, actor=actor, idempotency=key)
        case RecordSurveillanceFindings() as c:
            return registry.record_surveillance_findings(c.number, c.findings, c.reviewed_on, actor=actor,
                                                         idempotency=key)
        case ReviewSurveillanceFactor() as c:
            return registry.review_surveillance_factor(c.number, c.factor, c.reviewed_on, actor=actor,
                                                       idempotency=key)
        case PublishFactorTable() as c:
            return registry.publish_factor_table(c.table, c.version, c.entries, c.published_on, actor=actor,
                                                 idempotency=key)
    return None
