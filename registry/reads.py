"""Reads: what the registry holds, as plain frozen views (never an aggregate), now or as it stood at the end of a
past day; and the documents it keeps, by their SHA-256. A section of ``Registry`` (registry.section).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from registry.case import Case
from registry.certificate import Certificate
from registry.documents import CaseDocument, receipt
from registry.errors import NotFound, RuleViolation
from registry.past import Past
from registry.rules import check_auditor
from registry.staffing import check_staff
from registry.views import CaseView, CertificateView, OrganizationView, PersonView


@dataclass(frozen=True)
class Competence:
    """Whether a person may audit on a date (R-TEAM-2, §5), as the rule the team steps apply judges it; when not,
    why not: each reason the rule gives, as ``{rule, clause, detail}``."""

    person: UUID
    name: str
    on: date
    may_audit: bool
    reasons: tuple[dict[str, str], ...]


class Reads(Past):
    def audit_competence(self, person: UUID | str, on: date) -> Competence:
        """R-TEAM-2 and R-STAFF-1 on ``on`` for the person: the registration, violations, evaluation and
        qualifications the rules check when a team is named, judged by those same rules."""
        found = self.person(person)
        try:
            check_auditor(found, on, "competence to audit")
            check_staff(found, on, "competence to audit")  # R-STAFF-1
        except RuleViolation as e:
            reason = {"rule": e.rule, "clause": e.clause, "detail": e.detail}
            return Competence(found.id, found.name, on, False, (reason,))
        return Competence(found.id, found.name, on, True, ())

    def get_person(self, pid: UUID | str) -> PersonView:
        return PersonView.of(self.person(pid))

    def get_organization(self, uscc: str) -> OrganizationView:
        return OrganizationView.of(self.organization_by_uscc(uscc))

    def get_case(self, case_id: UUID | str, as_of: date | None = None) -> CaseView:
        case = self.case_by_id(case_id)
        if as_of is not None:
            case = self._as_of(Case, case.id, as_of, f"case {case_id}")
        return CaseView.of(case)

    def get_certificate(self, number: str, as_of: date | None = None) -> CertificateView:
        """The certificate now, or as it stood at the end of ``as_of`` (by effective dates)."""
        cert = self.certificate_by_number(number)
        if as_of is not None:
            cert = self._as_of(Certificate, cert.id, as_of, f"certificate {number}")
        return CertificateView.of(cert).as_shown(as_of or self._today())

    def document(self, sha256: str) -> bytes:
        content = self.documents.get(sha256)
        if content is None:
            raise NotFound(f"未找到文件 {sha256} / no document {sha256}")
        return content

    def case_document(self, case_id: UUID | str, sha256: str) -> CaseDocument:
        """A document the case received (R-APP-4): its bytes, with the kind, content type and file name it was
        received with. A document the case never received is not found on it, whichever case holds it."""
        case = self.case_by_id(case_id)
        received = receipt(self.events.get(case.id), sha256)
        if received is None:
            raise NotFound(f"认证案例 {case.id} 没有文件 {sha256} / case {case.id} holds no document {sha256}")
        return CaseDocument(sha256, received.kind.value, received.content_type, received.filename,
                            self.document(sha256))
