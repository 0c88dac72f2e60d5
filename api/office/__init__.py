"""The office: the web application in which a certification body's staff and regulators work (issue 22)."""

from api.office.routes import router

__all__ = ["router"]
