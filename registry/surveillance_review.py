"""The greenhouse-gas data review of a certificate's surveillance audits (§7, §9.1.3; R-GHG-2, R-GHG-3, R-GHG-4).

A surveillance audit judges the client's carbon performance (§9.1.3), so it is never recorded on unreviewed data:
the auditors of the coming surveillance audit record its activity-data items and emission factors on the
certificate, with the same item shapes, rules and refusals as a case's review (registry.data_review), a default
factor checked against the body's reference table as in a case. Recording the audit takes the items reviewed since
the previous one (those reviewed on or before its date) into its record, with their data-quality profile (R-GHG-4);
an audit with no activity-data item reviewed is refused (R-GHG-2). A recertification audit takes none: its review is
the renewal case's (R-RECERT-2).

Who records an item: a case's review is its audit team's, but a surveillance audit's team is known only when the
audit is recorded, after its data was reviewed. So any auditor who may audit this client on the date reviewed
records one: R-TEAM-2 (CCAA CEMS registration valid, no violation in the 2 years before, the body's competence
evaluation), R-STAFF-1 (education, experience and training on record) and R-SOD-1 (no training or consulting given
to the client), each checked as of ``reviewed_on``. The team named when the audit is recorded is checked then,
under the R-TEAM rules (R-SURV-3).

The commands are a mixin of ``Certificate``; their events stay on ``Certificate`` (registry.certificate), whose log
topics never move.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from registry import rules, staffing
from registry.certificate_state import CertificateState
from registry.data_review import ActivityDatum, EmissionFactor, QualityProfile, ReviewFindings, check_findings
from registry.errors import NotPermitted, RuleViolation
from registry.reviewed import Reviewed, as_recorded, datum_reviewed, factor_reviewed, profile_of
from registry.values import Actor, Level, Status

if TYPE_CHECKING:
    from registry.base import RegistryAggregate
    from registry.person import Person

WHAT = "surveillance data review"


@dataclass(frozen=True)
class AuditReview:
    """The data review one surveillance audit took into its record: the items reviewed for it."""

    conducted_on: date
    activity_data: tuple[Reviewed, ...]
    emission_factors: tuple[Reviewed, ...]
    findings: ReviewFindings | None = None  # §7.1, when the reviewer recorded them (an audit before issue 24: none)

    @property
    def quality_profile(self) -> QualityProfile:
        return profile_of(self.activity_data, self.emission_factors)


class SurveillanceReview(CertificateState):
    # Nothing pending and no audit's review: a certificate issued before the surveillance data review existed reads
    # the same (tuples are never changed in place, so class-level empty tuples are safe to share; not annotated at
    # run time, or the event store library would take them for the certificate's __init__ fields).
    if TYPE_CHECKING:
        pending_activity: tuple[Reviewed, ...]
        pending_factors: tuple[Reviewed, ...]
        audit_reviews: tuple[AuditReview, ...]
        pending_findings: tuple[ReviewFindings, date] | None
        SurveillanceActivityDatumReviewed: ClassVar[type[RegistryAggregate.Event]]
        SurveillanceReviewFindingsRecorded: ClassVar[type[RegistryAggregate.Event]]
        SurveillanceEmissionFactorReviewed: ClassVar[type[RegistryAggregate.Event]]
    else:
        pending_activity = ()
        pending_factors = ()
        audit_reviews = ()
        pending_findings = None

    def _check_reviewer(self, reviewer: Person | None, reviewed_on: date, today: date) -> None:
        self._require(WHAT, Status.VALID, Status.SUSPENDED)
        self._within_validity("reviewed_on", reviewed_on, today)
        if self.audits:
            rules.check_not_before("reviewed_on", reviewed_on, "the previous surveillance audit", self.audits[-1][0])
        if reviewer is None:
            raise NotPermitted("只有具备审核资格的审核员才能记录监督审核的数据评审 / only an auditor who may audit "
                               "records a surveillance audit's data review")
        rules.check_auditor(reviewer, reviewed_on, WHAT)  # R-TEAM-2
        staffing.check_staff(reviewer, reviewed_on, "audit")  # R-STAFF-1
        rules.check_separate(reviewer, "audit", self.organization.uscc, reviewed_on)  # R-SOD-1

    def _levels(self) -> list[Level]:
        return [sl.level for sl in self.levels]

    def review_surveillance_datum(self, datum: ActivityDatum, reviewed_on: date, reviewer: Person | None, *,
                                  today: date, actor: Actor, now: datetime) -> None:
        """R-GHG-2: one activity-data item for the coming surveillance audit, as a case's; a calibration lapsed
        before ``reviewed_on`` is flagged, not refused."""
        self._check_reviewer(reviewer, reviewed_on, today)
        self._record(self.SurveillanceActivityDatumReviewed, **datum_reviewed(datum, self._levels(), reviewed_on),
                     actor=actor, effective_on=reviewed_on, now=now)

    def review_surveillance_factor(self, factor: EmissionFactor, default: tuple[Decimal, str] | None,
                                   reviewed_on: date, reviewer: Person | None, *, today: date, actor: Actor,
                                   now: datetime) -> None:
        """R-GHG-3: one emission factor for the coming surveillance audit; ``default`` is the reference table's
        value and unit for the guideline a default names."""
        self._check_reviewer(reviewer, reviewed_on, today)
        self._record(self.SurveillanceEmissionFactorReviewed,
                     **factor_reviewed(factor, default, self._levels(), reviewed_on), actor=actor,
                     effective_on=reviewed_on, now=now)

    def record_surveillance_findings(self, findings: ReviewFindings, reviewed_on: date, reviewer: Person | None, *,
                                     today: date, actor: Actor, now: datetime) -> None:
        """§7.1: the reviewer's findings on the coming surveillance audit's data: representativeness, completeness
        (cut-off) and accuracy, each recorded; the audit takes them into its record with its items."""
        check_findings(findings)
        self._check_reviewer(reviewer, reviewed_on, today)
        self._record(self.SurveillanceReviewFindingsRecorded, findings=findings, actor=actor,
                     effective_on=reviewed_on, now=now)

    def _findings_by(self, conducted_on: date) -> ReviewFindings | None:
        pending = self.pending_findings
        return pending[0] if pending is not None and pending[1] <= conducted_on else None

    def review_for(self, conducted_on: date) -> AuditReview:
        """The items a surveillance audit held on ``conducted_on`` takes: those pending, reviewed by then, and the
        findings recorded by then."""
        return AuditReview(conducted_on, tuple(r for r in self.pending_activity if r.reviewed_on <= conducted_on),
                           tuple(r for r in self.pending_factors if r.reviewed_on <= conducted_on),
                           self._findings_by(conducted_on))

    def check_surveillance_data_reviewed(self, conducted_on: date) -> dict[str, dict[str, str]]:
        """R-GHG-2 (§7.2, §9.1.3): a surveillance audit is never recorded on unreviewed data: at least one
        activity-data item reviewed for it. Answers its profile as the audit records it (R-GHG-4)."""
        review = self.review_for(conducted_on)
        if not review.activity_data:
            raise RuleViolation("R-GHG-2", "§7.2",
                                f"监督审核（{conducted_on.isoformat()}）须先评审至少一项活动数据：监督审核评价获证组织的"
                                "碳排放绩效（§9.1.3），不能基于未经评审的数据 / a surveillance audit "
                                f"({conducted_on.isoformat()}) has at least one activity-data item reviewed first "
                                "(POST …/data-review/activity-data): it judges the client's carbon performance "
                                "(§9.1.3) and is never recorded on unreviewed data")
        return as_recorded(review.quality_profile)

    def _take_review(self, conducted_on: date) -> None:
        """State only (an event's apply): the items the audit held on ``conducted_on`` takes move into its record."""
        review = self.review_for(conducted_on)
        self.audit_reviews = (*self.audit_reviews, review)
        self.pending_activity = tuple(r for r in self.pending_activity if r.reviewed_on > conducted_on)
        self.pending_factors = tuple(r for r in self.pending_factors if r.reviewed_on > conducted_on)
        if review.findings is not None:
            self.pending_findings = None
