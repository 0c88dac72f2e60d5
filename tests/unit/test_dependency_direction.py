"""STYLE.md convention 1: ``registry/`` imports the standard library and eventsourcing only."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
FORBIDDEN = {"fastapi", "starlette", "uvicorn", "pydantic", "pydantic_settings", "apscheduler", "psycopg",
             "psycopg_pool", "psycopg2", "sqlite3", "sqlalchemy", "httpx", "qrcode"}
# Pure libraries of the rules themselves: the event store, the working-day calendar (R-CAL-1), the formats a
# document's bytes are of (R-REC-5).
ALLOWED_THIRD_PARTY = {"eventsourcing", "chinese_calendar", "filetype", "registry"}


def imported_top_level_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_registry_imports_no_web_settings_scheduler_or_database_driver_package() -> None:
    modules = sorted(REGISTRY.glob("*.py"))
    assert modules, "registry/ has no modules"
    for module in modules:
        imported = imported_top_level_modules(module)
        assert not imported & FORBIDDEN, f"{module.name} imports {imported & FORBIDDEN}"
        third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "__future__"}
        assert third_party <= ALLOWED_THIRD_PARTY, f"{module.name} imports {third_party - ALLOWED_THIRD_PARTY}"


def test_the_check_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    import psycopg\n    from fastapi import FastAPI\n", encoding="utf-8")
    assert imported_top_level_modules(sample) == {"psycopg", "fastapi"}
