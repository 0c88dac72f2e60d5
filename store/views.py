"""The read models' tables, opened the same way on every store: a portable view class (``projections.views.View``)
mixed with the store's tracking recorder, given the store's dialect, its tables made once."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment

from store import Dialect

_CLASSES: dict[tuple[type[Any], type[Any]], type[Any]] = {}


def view_class(portable: type[Any], tracking: type[Any], dialect: Dialect) -> type[Any]:
    """``portable`` on ``tracking`` (the library's SQLite or PostgreSQL tracking recorder), made once per pair."""
    made = _CLASSES.get((portable, tracking))
    if made is None:
        made = type(portable.__name__, (portable, tracking), {"dialect": dialect, "__module__": portable.__module__})
        _CLASSES[(portable, tracking)] = made
    return made


def open_view(env: dict[str, str], cls: type[Any], name: str, create: bool,
              prepare: Callable[[Any], None] | None = None) -> Any:
    """Constructs the view's tracking recorder (``cls``) from the library's settings ``env``, and its tables."""
    for attempt in range(5):
        try:
            view: Any = InfrastructureFactory.construct(env=Environment(name, env)).tracking_recorder(cls)
            if prepare is not None:
                prepare(view)
            if create:  # a read replica's views are the primary's, copied
                view.create_view_tables()
            return view
        except Exception:  # two processes creating the same tables at once: PostgreSQL's IF NOT EXISTS races
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
