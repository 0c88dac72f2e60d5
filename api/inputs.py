"""What a URL carries into a read, checked before it reaches a query: a certificate number, search text, a day
(``as_of``) and a log position (``after``). A malformed value is refused on its own, a 422 naming the field, and so
never joins (and never fails) a query shared with other requests.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from registry import text
from registry.errors import InvalidInput

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The domain's own limits and characters (registry.text): a number or a search term that no record can hold is
# refused before any query. PostgreSQL refuses a NUL in text and no driver can encode a lone surrogate, so either
# would otherwise fail the statement it is sent in, and with it every lookup gathered into it.
MAX_NUMBER = text.NUMBER.max_length
MAX_TEXT = text.NAME.max_length
MAX_POSITION = 2**63 - 1  # a log position is a PostgreSQL BIGINT
MAX_PAGE = 1_000_000


def certificate_number(number: str) -> str:
    """A certificate number as it may be looked up; an impossible one is a 422 of its own, never a query."""
    return text.check("number", number, text.NUMBER)


def search_text(field: str, value: str | None) -> str | None:
    """A search term, stripped; None (no condition) when blank."""
    if value is None:
        return None
    return text.check(field, value, text.NAME).strip() or None


def as_of_day(value: str | None, today: date) -> date | None:
    """``as_of``: a day written ``YYYY-MM-DD`` (nothing else Python's ``date.fromisoformat`` also reads: week dates,
    ``20260101``), no later than ``today``, the registry's own today."""
    if value is None:
        return None
    if not _DAY.fullmatch(value):
        raise InvalidInput("as_of", f"日期须写作 YYYY-MM-DD / as_of is a day written YYYY-MM-DD, not {value[:40]!r}")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("as_of", f"没有这一天 / as_of: there is no day {value}") from None
    if day > today:
        raise InvalidInput("as_of", f"日期不能晚于今天 / as_of {day} is after today ({today}): the record does not "
                                    "know the future")
    return day


def log_position(field: str, value: str) -> int:
    """``after`` (or ``X-Registry-After``): a log position, decimal digits only."""
    if not (value.isascii() and value.isdigit()) or len(value) > 19 or int(value) > MAX_POSITION:
        raise InvalidInput(field, f"日志位置须为非负整数 / {field} is a log position (0 to {MAX_POSITION}), "
                                  f"not {value[:40]!r}")
    return int(value)


async def _as_of(request: Request, as_of: Annotated[str | None, Query(
        description="as it stood at the end of this day: YYYY-MM-DD, not after today",
        examples=["2026-06-01"])] = None) -> date | None:
    return as_of_day(as_of, request.app.state.registry.clock.today())


AsOf = Annotated[date | None, Depends(_as_of)]
