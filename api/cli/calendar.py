"""`registry calendar record|list`: the body's working calendar (R-CAL-1) from the command line. ``record`` reads a
year's arrangement from a JSON file holding the body of ``POST /api/v1/calendar/years`` and records it as the
registry itself (the operator at the server); ``list`` prints every year with its source."""

from __future__ import annotations

import argparse
from pathlib import Path

from pydantic import ValidationError

from api.calendar_schemas import CalendarYearCreate
from api.cli.common import open_parts
from registry.errors import InvalidInput
from registry.section import SYSTEM

SOURCES = {"recorded": "按通知录入 recorded", "package": "软件包数据 package", "missing": "尚无安排 missing"}


def calendar_record(args: argparse.Namespace) -> int:
    """Records the year in FILE (R-CAL-1); the pending due dates counted Monday–Friday for it are counted again."""
    try:
        body = CalendarYearCreate.model_validate_json(Path(args.file).read_bytes())
    except OSError as e:
        raise InvalidInput("file", f"无法读取 {args.file} / cannot read {args.file}: {e}") from None
    except ValidationError as e:
        raise InvalidInput("file", f"{args.file} 不是有效的年度安排 / {args.file} is not a year's arrangement: "
                                   f"{e.errors()[0]['loc']} {e.errors()[0]['msg']}") from None
    with open_parts() as parts:
        written = parts.registry.record_calendar_year(body.year, body.holidays, body.working_weekends, body.notice,
                                                      actor=SYSTEM)
    recounted = written.ids["recomputed"]
    print(f"已录入 {body.year} 年工作日安排，重算期限 {len(recounted)} 项 / {body.year}'s arrangement recorded; "
          f"{len(recounted)} due date(s) counted again")
    for case in recounted:
        print(f"  {case}")
    return 0


def calendar_list(_: argparse.Namespace) -> int:
    """Every year and where its working days come from."""
    with open_parts() as parts:
        for year in parts.registry.calendar_years():
            print(f"{year.year}  {SOURCES[year.source]}" + (f"  {year.notice}" if year.notice else "")
                  + (f"  待办期限 due by {year.awaited_due_by}" if year.awaited_due_by else ""))
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    calendar = commands.add_parser("calendar", help="the working calendar (R-CAL-1)").add_subparsers(
        dest="calendar_command", required=True)
    record = calendar.add_parser("record", help="record a year's arrangement from a JSON file",
                                 description="FILE holds the body of POST /api/v1/calendar/years: year, holidays, "
                                 "working_weekends and notice. A year recorded again is corrected; the history "
                                 "keeps both.")
    record.add_argument("file", metavar="FILE")
    record.set_defaults(run=calendar_record)
    calendar.add_parser("list", help="every year and its source").set_defaults(run=calendar_list)
