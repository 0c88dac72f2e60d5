"""The commands of the greenhouse-gas data review (§7; R-GHG-2..4) and of the body's reference tables of default
emission factors, as plain frozen values (as registry.commands; handled by registry.review_steps)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from registry.commands import Command, OnCertificate
from registry.data_review import ActivityDatum, EmissionFactor, FactorEntry, ReviewFindings
from registry.values import Role


@dataclass(frozen=True)
class ReviewActivityDatum(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    datum: ActivityDatum
    reviewed_on: date | None = None  # the audit date it was reviewed on; today when not given


@dataclass(frozen=True)
class ReviewEmissionFactor(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    factor: EmissionFactor
    reviewed_on: date | None = None


@dataclass(frozen=True)
class RecordReviewFindings(Command):
    role = Role.AUDITOR
    case_id: UUID | str
    findings: ReviewFindings
    reviewed_on: date | None = None


@dataclass(frozen=True)
class PublishFactorTable(Command):
    role = Role.ADMIN
    table: str
    version: str
    entries: Sequence[FactorEntry]
    published_on: date | None = None


# A certificate's surveillance data review (registry.surveillance_review): the items of its coming surveillance audit.


@dataclass(frozen=True)
class ReviewSurveillanceDatum(OnCertificate):
    role = Role.AUDITOR
    datum: ActivityDatum
    reviewed_on: date | None = None  # the date it was reviewed on; today when not given


@dataclass(frozen=True)
class ReviewSurveillanceFactor(OnCertificate):
    role = Role.AUDITOR
    factor: EmissionFactor
    reviewed_on: date | None = None


@dataclass(frozen=True)
class RecordSurveillanceFindings(OnCertificate):
    role = Role.AUDITOR
    findings: ReviewFindings
    reviewed_on: date | None = None


REVIEW_COMMANDS = (ReviewActivityDatum, ReviewEmissionFactor, RecordReviewFindings, PublishFactorTable,
                   ReviewSurveillanceDatum, ReviewSurveillanceFactor, RecordSurveillanceFindings)
