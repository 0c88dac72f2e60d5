"""The greenhouse-gas data review recorded in a case's audit (§7; R-GHG-2, R-GHG-3, R-GHG-4).

The audit team's auditors (leader and members; technical experts do not count as auditors, R-TEAM-1) record each
activity-data item and emission factor, and their §7.1 findings, from the team's appointment until the decision,
on the audit date they reviewed it (``reviewed_on``). The case's ``Case`` class inherits these events (the event
store library redefines them as ``Case.ActivityDatumReviewed`` and so on). A grant needs every level of the scope
reviewed (``check_data_reviewed``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from registry import data_review
from registry.data_review import ActivityDatum, EmissionFactor, QualityProfile, ReviewFindings
from registry.errors import NotPermitted, RuleViolation
from registry.intake import CaseIntake, Stage
from registry.reviewed import Reviewed, as_recorded, datum_reviewed, factor_reviewed, profile_of
from registry.values import Actor, Level

__all__ = ["REVIEW_STAGES", "CaseReview", "Reviewed"]  # Reviewed: registry.reviewed, named here as before

REVIEW_STAGES = (Stage.TEAM_APPOINTED, Stage.STAGE1_DONE, Stage.STAGE2_DONE, Stage.REPORTED)


class CaseReview(CaseIntake):
    # Nothing reviewed yet: a case applied before the data review existed reads the same (tuples are never changed
    # in place, so a class-level empty tuple is safe to share).
    # (Not annotated at run time: the event store library would take annotations for the case's __init__ fields.)
    if TYPE_CHECKING:
        activity_data: tuple[Reviewed, ...]
        emission_factors: tuple[Reviewed, ...]
        review_findings: ReviewFindings | None
    else:
        activity_data = ()
        emission_factors = ()
        review_findings = None

    class ActivityDatumReviewed(CaseIntake.Event):
        datum: ActivityDatum
        calibration_lapsed: bool

        def apply(self, case: CaseReview) -> None:
            case.activity_data = (*case.activity_data,
                                  Reviewed(self.datum, self.dated, self.actor.person, self.calibration_lapsed))

    class EmissionFactorReviewed(CaseIntake.Event):
        factor: EmissionFactor
        calibration_lapsed: bool
        guideline_value: Decimal | None  # the reference table's value a default was checked against

        def apply(self, case: CaseReview) -> None:
            case.emission_factors = (*case.emission_factors,
                                     Reviewed(self.factor, self.dated, self.actor.person, self.calibration_lapsed,
                                              self.guideline_value))

    class ReviewFindingsRecorded(CaseIntake.Event):
        findings: ReviewFindings

        def apply(self, case: CaseReview) -> None:
            case.review_findings = self.findings

    def _check_reviewer(self, reviewed_on: date, today: date, actor: Actor) -> None:
        self._require(*REVIEW_STAGES, step="data review")
        team = self.team
        if team is None or actor.person not in team.auditors:
            raise NotPermitted("只有本案审核组的审核员才能记录数据评审 / only an auditor of the case's audit team "
                               "records its data review")
        self._dated("reviewed_on", reviewed_on, today, "the team appointment", self.team_on)

    def _levels(self) -> list[Level]:
        return [lv.level for lv in self.levels]

    def review_activity_datum(self, datum: ActivityDatum, reviewed_on: date, *, today: date, actor: Actor,
                              now: datetime) -> None:
        """R-GHG-2: one activity-data item; a calibration lapsed before the audit date is flagged, not refused."""
        self._check_reviewer(reviewed_on, today, actor)
        self._record(self.ActivityDatumReviewed, **datum_reviewed(datum, self._levels(), reviewed_on), actor=actor,
                     effective_on=reviewed_on, now=now)

    def review_emission_factor(self, factor: EmissionFactor, default: tuple[Decimal, str] | None,
                               reviewed_on: date, *, today: date, actor: Actor, now: datetime) -> None:
        """R-GHG-3: one emission factor; ``default`` is the reference table's value and unit for its guideline."""
        self._check_reviewer(reviewed_on, today, actor)
        self._record(self.EmissionFactorReviewed, **factor_reviewed(factor, default, self._levels(), reviewed_on),
                     actor=actor, effective_on=reviewed_on, now=now)

    def record_review_findings(self, findings: ReviewFindings, reviewed_on: date, *, today: date, actor: Actor,
                               now: datetime) -> None:
        """§7.1: representativeness, completeness (cut-off) and accuracy, as the reviewer found them."""
        self._check_reviewer(reviewed_on, today, actor)
        data_review.check_findings(findings)
        self._record(self.ReviewFindingsRecorded, findings=findings, actor=actor, effective_on=reviewed_on,
                     now=now)

    @property
    def quality_profile(self) -> QualityProfile:
        """R-GHG-4: always the fold of the reviewed items."""
        return profile_of(self.activity_data, self.emission_factors)

    def profile_as_recorded(self) -> dict[str, dict[str, str]]:
        """R-GHG-4: the profile as the audit report records it (shares as decimals to six places)."""
        return as_recorded(self.quality_profile)

    def check_data_reviewed(self) -> None:
        """R-GHG-4: a certificate is never granted on unreviewed data: every level of the scope has reviewed
        activity data."""
        reviewed = {r.item.level for r in self.activity_data}
        missing = [lv.level.value for lv in self.levels if lv.level not in reviewed]
        if missing:
            named = ", ".join(missing)
            raise RuleViolation("R-GHG-4", "§7", f"数据评审尚无以下层级的活动数据：{named}，不能批准认证 / "
                                                 f"the data review has no activity data for level "
                                                 f"{named}: no certificate is granted on unreviewed "
                                                 "data")

