"""The office: the web application in which a certification body's staff and regulators work (issue 22).

Each module is a group of pages with its router; ``install`` adds them all to the app, with the office's
stylesheet and scripts (``api/static/office``) and its answers for a missing session, a form without its CSRF token
and a record there is none of (``api.office.frame``).
"""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.office import (
    admin,
    calendar,
    case_steps,
    cases,
    certificates,
    data_review,
    frame,
    lists,
    people,
    records,
    reference,
    regulator,
    reports,
    routes,
    sectors,
    work,
)

MODULES = (routes, work, lists, data_review, case_steps, cases, records, certificates, people, regulator, admin,
           sectors, calendar, reference, reports)


def install(app: FastAPI) -> None:
    for module in MODULES:
        app.include_router(module.router)
    app.mount("/static/office", StaticFiles(directory=Path(__file__).parent.parent / "static" / "office"),
              name="office-assets")
    frame.install(app)


__all__ = ["install"]
