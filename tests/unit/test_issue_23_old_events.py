"""Events recorded before issue 23 (no sectors, programme basis, cycle, person-days, key audit points) are read
with the new fields' defaults: history is never rewritten, and the new rules apply only to new acts."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any
from uuid import UUID

from demo.scenario import Walk
from registry.application import Registry


def stored_without(app: Registry, aggregate_id: UUID, version: int, *fields: str) -> Any:
    """The event at ``version`` as it would have been stored before ``fields`` existed, read back."""
    event = [e for e in app.events.get(aggregate_id) if e.originator_version == version][0]
    stored = app.mapper.to_stored_event(event)
    state = json.loads(stored.state)
    for name in fields:
        state.pop(name)
    return app.mapper.to_domain_event(replace(stored, state=json.dumps(state).encode()))


def test_events_recorded_before_issue_23_read_with_the_new_fields_defaults(walk: Walk) -> None:
    walk.to_team().stage1().stage2()
    events = list(walk.app.events.get(walk.case))
    version = {type(e).__name__: e.originator_version for e in events}

    applied = stored_without(walk.app, walk.case, version["Applied"], "sectors")
    planned = stored_without(walk.app, walk.case, version["ProgrammePlanned"], "basis", "cycle", "justification",
                             "needs_approval")
    stage1 = stored_without(walk.app, walk.case, version["Stage1Conducted"], "person_days", "key_audit_points",
                            "document_review_rationale", "verified_years")
    stage2 = stored_without(walk.app, walk.case, version["Stage2Conducted"], "person_days")

    assert applied.sectors == ()
    assert (planned.basis, planned.cycle, planned.justification, planned.needs_approval) == (
        None, (), "", False)
    assert (stage1.person_days, stage1.key_audit_points, stage1.verified_years) == (None, (), ())
    assert stage2.person_days is None
