"""The sectors of a case's scope, recorded after its application (R-TEAM-3, §5.4, §8.3.2).

An application names its scope's sectors from the body's list (``registry.sectors``), and the team is appointed only
if its competence evaluations cover every one of them (``registry.staffing.check_team_covers``). A case applied for
before the rule names none, so its team could never be appointed: intake records the scope's sectors here, from the
same list, until the team is appointed (a sector named wrongly on the application is put right the same way). Once
the team is appointed its coverage was judged on the sectors then recorded, and they stand.

The case's ``Case`` class inherits the event (the event store library redefines it as ``Case.SectorsRecorded``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from registry import text
from registry.case_review import CaseReview
from registry.errors import InvalidInput, RuleViolation
from registry.intake import CaseIntake, Stage
from registry.sectors import check_scope_sectors
from registry.values import Actor

# Before the team is appointed, and while the case is open.
BEFORE_THE_TEAM = (Stage.APPLIED, Stage.ACCEPTED, Stage.CONTRACTED, Stage.PLANNED)


class CaseScope(CaseReview):
    class SectorsRecorded(CaseIntake.Event):
        """R-TEAM-3: the scope's sectors, from the body's list; ``replaced``: those recorded before (none for a
        case applied before the rule)."""

        sectors: tuple[str, ...]
        replaced: tuple[str, ...]

        def apply(self, case: CaseScope) -> None:
            case.sectors = tuple(self.sectors)

    def record_sectors(self, names: Sequence[str], listed: Mapping[str, str], on: date, *, today: date,
                       actor: Actor, now: datetime) -> None:
        """R-TEAM-3 (§5.4, §8.3.2): records the sectors the case's scope falls in, each from the body's list
        (``listed``: name → code), before the audit team is appointed."""
        text.check_each("sectors", names, text.NAME)
        team = self.team
        if team is not None:
            raise RuleViolation("R-TEAM-3", "§5.4, §8.3.2",
                                f"审核组已于 {_day(self.team_on)} 委派，其能力已按当时记录的专业领域确认：认证范围的"
                                "专业领域须在委派审核组之前记录 / the audit team was appointed on "
                                f"{_day(self.team_on)}, its coverage judged on the sectors then recorded: a "
                                "scope's sectors are recorded before the team is appointed")
        self._require(*BEFORE_THE_TEAM, step="recording the scope's sectors")
        self._dated("on", on, today, "applied_on", self.applied_on)
        chosen = check_scope_sectors(names, dict(listed))
        if chosen == self.sectors:
            raise InvalidInput("sectors", f"认证范围的专业领域已记录为：{'、'.join(chosen)} / the scope's sectors "
                                          f"are recorded already as: {', '.join(chosen)}")
        self._record(self.SectorsRecorded, sectors=chosen, replaced=self.sectors, actor=actor, effective_on=on,
                     now=now)


def _day(d: date | None) -> str:
    return d.isoformat() if d is not None else "—"
