"""`registry serve|demo|tick|scheduler`: the processes that run the registry, the HTTP API and the scheduler's
duties, and the demo data set that shows it."""

from __future__ import annotations

import argparse
import contextlib
import sys
from datetime import date
from typing import Any

from api.cli.common import open_parts
from api.settings import get_settings
from demo.dataset import demo_users, load_demo
from registry.errors import InvalidInput


def demo(_: argparse.Namespace) -> int:
    """Loads the demo data set into the configured store (once) and shows what it holds."""
    settings = get_settings()
    with open_parts() as parts:
        app = parts.registry
        entries = load_demo(app)
        events = app.recorder.max_notification_id() or 0
        print(f"登记系统 {settings.database_url}：日志中有 {events} 个事件 / "
              f"Registry at {settings.database_url}: {events} events in the log")
        print(f"{'certificate':<22} {'status':<14} organisation (USCC)")
        for e in entries:
            print(f"{e.number or '—':<22} {e.status:<14} {e.name} ({e.uscc})")
    return 0


def office_sign_ins(host: str, port: int) -> None:
    """The demo's office users, each with a new password, printed here on the console and nowhere else (never a
    file, never the log): the office's address and, for each role, the name and password to sign in with."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104  (where a browser can reach it)
    if ":" in shown:
        shown = f"[{shown}]"
    with open_parts() as parts:
        users = demo_users(parts.registry)
    print()
    print(f"办公室 Office: http://{shown}:{port}/office/")
    print("演示用户（口令每次启动时重新生成，只在这里显示） / Demo users (new passwords at each start, shown only "
          "here):")
    for u in users:
        print(f"  {u.role_names[0]} {u.role_names[1]}: 用户名 name {u.name} · 口令 password {u.password} · "
              f"人员 person {u.person_name}")
    print()
    sys.stdout.flush()


def serve(args: argparse.Namespace) -> int:
    """Serves the API with uvicorn (uvloop, httptools); with --demo, loads the demo set first (once) and prints
    the office's address and its demo users' new passwords."""
    import uvicorn

    from api.app import check_read_only, create_app

    settings = get_settings()
    if settings.read_only and args.demo:
        raise InvalidInput("--demo", "只读副本（REGISTRY_READ_ONLY）不能载入演示数据，请在主服务器上载入 / "
                                     "a read-only replica (REGISTRY_READ_ONLY) cannot load the demo set: load it on "
                                     "the primary")
    check_read_only(settings)
    host, port = args.host or settings.host, args.port or settings.port
    if args.demo:
        demo(args)
        office_sign_ins(host, port)
    app = create_app(settings)
    for signer in (app.state.signer, app.state.checkpoint_signer):
        signer.load()  # made on the first run outside production; missing or unreadable, it stops the start here
    options: dict[str, Any] = dict(host=host, port=port, loop="uvloop",
                                   http="httptools", log_level="info", access_log=settings.access_log)
    workers = args.workers or settings.workers
    if workers > 1:  # each worker process builds its own app from the same REGISTRY_* variables
        uvicorn.run("api.app:create_app", factory=True, workers=workers, **options)
    else:
        uvicorn.run(app, **options)
    return 0


def tick(args: argparse.Namespace) -> int:
    """Runs every scheduler duty once, as of a date (today by default); records go in date order."""
    from registry.clock import AsOfClock
    from scheduler.duties import tick as run_tick

    settings = get_settings()
    clock = AsOfClock(date.fromisoformat(args.as_of)) if args.as_of else None
    with open_parts(clock) as parts:
        report = run_tick(parts.registry, parts.views, settings.notice_lead_days)
    recorded = sum(report.recorded.values())
    print(f"截至 {report.as_of} 执行到期事项：查看证书 {report.candidates} 张，记录 {recorded} 项 / "
          f"duties as of {report.as_of}: {report.candidates} certificates looked at; recorded "
          + (", ".join(f"{n} {name}" for name, n in sorted(report.recorded.items())) or "nothing"))
    for number in report.certificates:
        print(f"  {number}")
    for year in report.calendar_years_raised:
        print(f"{year} 年工作日安排尚未录入，已列为待办期限 / the {year} working-day arrangement is not recorded yet: "
              "raised as a deadline (R-CAL-1)")
    for month in report.report_months_raised:
        print(f"{month} 全国认证信息平台月度报告待报送，已列为待办期限 / the {month} national report is due by the "
              "10th: raised as a deadline (R-RPT-1)")
    return 0


def scheduler_service(_: argparse.Namespace) -> int:
    """Runs the scheduler alone (for deployments with several API workers): at start and daily after 00:05."""
    from scheduler.service import blocking

    settings = get_settings()
    with open_parts() as parts, contextlib.suppress(KeyboardInterrupt, SystemExit):
        blocking(parts.registry, parts.views, settings.notice_lead_days)
    return 0
