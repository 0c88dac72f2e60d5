"""One run of every scheduler duty (SPEC.md, Scheduler duties): a small entry point, no rules inside.

The read model only says which certificates may have something due (an indexed superset); each certificate
decides for itself, through one application call, and records what is due in date order. Running twice, or in two
processes at once, records nothing twice: what is recorded is not due again, and a concurrent writer's events
make the other look again.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from projections.runner import Views
from registry.application import Registry
from registry.calendar import add_days, add_months

DEFAULT_NOTICE_LEAD_DAYS = 30


@dataclass(frozen=True)
class TickReport:
    as_of: str
    candidates: int
    recorded: dict[str, int] = field(default_factory=dict)
    certificates: tuple[str, ...] = ()
    calendar_years_raised: tuple[int, ...] = ()  # R-CAL-1: years with no arrangement, raised as a deadline
    report_months_raised: tuple[str, ...] = ()  # R-RPT-1: months ended, their national report raised as a deadline


def tick(registry: Registry, views: Views, notice_lead_days: int = DEFAULT_NOTICE_LEAD_DAYS) -> TickReport:
    """Runs every duty once, as of the registry's today (R-SURV-1/4, R-SURV-5, R-RECERT-1, R-EXP-1, R-CAN-1,
    R-CAL-1, R-RPT-1)."""
    views.bring_up_to_date()
    raised = registry.await_calendar_years()
    months = registry.await_national_reports()
    today = registry.clock.today()
    # A superset by indexed columns: notices within the lead; the renewal window, 6 months and a few days ahead
    # (month ends clamp); anything past its date.
    numbers = views.schedule.scheduler_candidates(today, add_days(today, notice_lead_days),
                                                add_days(add_months(today, 6), 3))
    # R-SURV-5 with R-SUS-1 (4): a major surveillance nonconformity left open past its due date.
    numbers = sorted({*numbers, *views.deadlines.overdue_nonconformities(today)})
    recorded: Counter[str] = Counter()
    touched = []
    for number in numbers:
        written = registry.run_duties(number, notice_lead_days)
        if written is not None:
            recorded.update(written.ids["duties"])
            touched.append(number)
    return TickReport(today.isoformat(), len(numbers), dict(recorded), tuple(touched), tuple(raised),
                      tuple(months))
