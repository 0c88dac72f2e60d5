"""A certificate's events are stored by topic, ``module:qualified name`` of their class: the log written by every
earlier release names them so, and must still load. ``Certificate`` is split over several modules (its commands in
mixins, issue 21); these tests hold every event class to the topic it had before the split, so that moving one out
of ``registry/certificate.py`` or off ``Certificate`` fails here, naming it, rather than when an old log is read.
"""

from __future__ import annotations

from eventsourcing.domain import CanMutateAggregate
from eventsourcing.utils import get_topic, resolve_topic

from registry.certificate import Certificate

# Taken from the tree before the split (commit bc58fa0): every event class on Certificate, by its topic.
TOPICS = {
    "Cancelled": "registry.certificate:Certificate.Cancelled",
    "ChangeRequested": "registry.certificate:Certificate.ChangeRequested",
    "Changed": "registry.certificate:Certificate.Changed",
    "CorrectionRecorded": "registry.certificate:Certificate.CorrectionRecorded",
    "Created": "registry.certificate:Certificate.Created",
    "Event": "registry.certificate:Certificate.Event",
    "Expired": "registry.certificate:Certificate.Expired",
    "Issued": "registry.certificate:Certificate.Issued",
    "PaperOriginalFiled": "registry.certificate:Certificate.PaperOriginalFiled",
    "Reinstated": "registry.certificate:Certificate.Reinstated",
    "RenewalWindowOpened": "registry.certificate:Certificate.RenewalWindowOpened",
    "RenewedBy": "registry.certificate:Certificate.RenewedBy",
    "SurveillanceAuditRecorded": "registry.certificate:Certificate.SurveillanceAuditRecorded",
    "SurveillanceNoticeRaised": "registry.certificate:Certificate.SurveillanceNoticeRaised",
    "Suspended": "registry.certificate:Certificate.Suspended",
    "Withdrawn": "registry.certificate:Certificate.Withdrawn",
    # Added by issue 23 (R-SURV-5, R-SURV-6).
    "IncidentRecorded": "registry.certificate:Certificate.IncidentRecorded",
    "SurveillanceNonconformityClosed": "registry.certificate:Certificate.SurveillanceNonconformityClosed",
    "SurveillanceProgrammeSet": "registry.certificate:Certificate.SurveillanceProgrammeSet",
    # Added by issue 23 (R-GHG-2, R-GHG-3: the surveillance data review).
    "SurveillanceActivityDatumReviewed": "registry.certificate:Certificate.SurveillanceActivityDatumReviewed",
    "SurveillanceEmissionFactorReviewed": "registry.certificate:Certificate.SurveillanceEmissionFactorReviewed",
    "SurveillanceReviewFindingsRecorded": "registry.certificate:Certificate.SurveillanceReviewFindingsRecorded",
    # Added by issue 24 (R-SUS-3).
    "GroundRecorded": "registry.certificate:Certificate.GroundRecorded",
}


def event_classes() -> dict[str, type]:
    return {name: value for name in dir(Certificate)
            if isinstance(value := getattr(Certificate, name), type) and issubclass(value, CanMutateAggregate)}


def test_every_certificate_event_keeps_the_topic_the_log_stores_it_by() -> None:
    assert {name: get_topic(cls) for name, cls in event_classes().items()} == TOPICS


def test_every_stored_certificate_topic_resolves_to_the_event_class_on_certificate() -> None:
    classes = event_classes()
    assert {topic: resolve_topic(topic) for topic in TOPICS.values()} == {
        topic: classes[name] for name, topic in TOPICS.items()}


def test_the_certificate_itself_keeps_its_topic() -> None:
    """Snapshots, and the cached aggregate's pickled copy, name the aggregate's class."""
    assert get_topic(Certificate) == "registry.certificate:Certificate"
