"""`registry report national YYYY-MM FILE` and `registry report directory FILE`: the files the reporting endpoints
answer (API.md, "Reporting"), written by the registry itself (the operator at the server): the month's report to the
national certification information platform (R-RPT-1) and the directory upload (R-RPT-2)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.cli.common import open_parts
from api.spreadsheets import write_directory_upload, write_national_report
from registry.errors import InvalidInput


def report_national(args: argparse.Namespace) -> int:
    """Writes MONTH's report to FILE (.xlsx; JSON when FILE ends in .json)."""
    with open_parts() as parts:
        report = parts.registry.national_report(args.month)
        try:
            with Path(args.file).open("wb") as out:
                if args.file.endswith(".json"):
                    out.write(json.dumps(report.plain(), ensure_ascii=False, indent=1).encode())
                else:
                    write_national_report(out, report, parts.registry.config.issuer.name)
        except OSError as e:
            raise InvalidInput("file", f"无法写入 {args.file} / cannot write {args.file}: {e}") from None
    late = sum(row.late for row in report.rows)
    print(f"已写入 {args.month} 全国认证信息平台月度报告：{len(report.rows)} 行（补报 {late} 行） → {args.file} / "
          f"{args.month}'s national report written: {len(report.rows)} rows ({late} late entries) to {args.file}")
    return 0


def report_directory(args: argparse.Namespace) -> int:
    """Writes the directory upload to FILE (.xlsx), from the public view brought up to the log's head first (on a
    read replica, as the primary's projections left it)."""
    with open_parts() as parts:
        views = parts.views
        if not parts.settings.read_only:
            views.bring_up_to_date()
        try:
            with Path(args.file).open("wb") as out:
                write_directory_upload(out, views.public, parts.registry.clock.today(),
                                       parts.registry.config.issuer.name)
        except OSError as e:
            raise InvalidInput("file", f"无法写入 {args.file} / cannot write {args.file}: {e}") from None
    print(f"已写入证书目录（批量上传格式） → {args.file} / the directory upload written to {args.file}")
    return 0


def add_commands(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    report = commands.add_parser("report", help="the national report and the directory upload (R-RPT-1, R-RPT-2)"
                                 ).add_subparsers(dest="report_command", required=True)
    national = report.add_parser("national", help="a month's report to the national certification information "
                                 "platform (R-RPT-1)",
                                 description="Writes MONTH's report (YYYY-MM) to FILE, as GET "
                                 "/api/v1/reports/national/MONTH.xlsx answers it (.json: as MONTH.json does).")
    national.add_argument("month", metavar="YYYY-MM")
    national.add_argument("file", metavar="FILE")
    national.set_defaults(run=report_national)
    directory = report.add_parser("directory", help="the directory in the bulk-upload shape (R-RPT-2)",
                                  description="Writes the whole directory to FILE, as GET "
                                  "/api/v1/reports/directory-upload.xlsx answers it (columns: "
                                  "docs/directory-upload.md).")
    directory.add_argument("file", metavar="FILE")
    directory.set_defaults(run=report_directory)
