"""The scheduler as a service: APScheduler runs the duties at start-up and every day shortly after midnight in
Asia/Shanghai, inside ``registry serve`` or alone in ``registry scheduler``."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from projections.runner import Views
from registry.application import Registry
from registry.clock import SHANGHAI
from scheduler.duties import tick

log = logging.getLogger(__name__)


def _run(registry: Registry, views: Views, notice_lead_days: int, ran: threading.Event) -> None:
    try:
        _tick(registry, views, notice_lead_days)
    finally:
        ran.set()


def _tick(registry: Registry, views: Views, notice_lead_days: int) -> None:
    report = tick(registry, views, notice_lead_days)
    log.info("scheduler duties as of %s: %d candidates, recorded %s", report.as_of, report.candidates,
             report.recorded or "nothing")
    for year in report.calendar_years_raised:
        log.warning("%s 年工作日安排尚未录入 / the %s working-day arrangement is not recorded yet (R-CAL-1)",
                    year, year)
    for month in report.report_months_raised:
        log.info("%s 全国认证信息平台月度报告待报送（10 日前） / the %s national report is due by the 10th (R-RPT-1)",
                 month, month)


def schedule(scheduler: BaseScheduler, registry: Registry, views: Views, notice_lead_days: int) -> BaseScheduler:
    """The duties at start-up and daily; ``scheduler.first_run`` (an ``Event``) is set once the start-up run has
    ended, for whoever must not race it (the tests that count what the log holds)."""
    ran = threading.Event()
    scheduler.first_run = ran
    scheduler.add_job(_run, "cron", hour=0, minute=5, args=(registry, views, notice_lead_days, ran), id="duties",
                      coalesce=True, max_instances=1, misfire_grace_time=3600,
                      next_run_time=datetime.now(SHANGHAI))
    return scheduler


def background(registry: Registry, views: Views, notice_lead_days: int) -> Any:
    """Started and returned; ``shutdown()`` it when the app stops."""
    scheduler = schedule(BackgroundScheduler(timezone=SHANGHAI), registry, views, notice_lead_days)
    scheduler.start()
    return scheduler


def blocking(registry: Registry, views: Views, notice_lead_days: int) -> None:
    schedule(BlockingScheduler(timezone=SHANGHAI), registry, views, notice_lead_days).start()
