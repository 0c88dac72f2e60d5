"""What a URL carries into a read, checked before it reaches a query: a certificate number, search text, a day
(``as_of``) and a log position (``after``). A malformed value is refused on its own, a 422 naming the field, and so
never joins (and never fails) a query shared with other requests.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from registry.errors import InvalidInput

# Control characters (C0, DEL, C1) and lone surrogates: PostgreSQL refuses a NUL in text and no driver can encode
# a surrogate, so either would fail the statement it is sent in, and with it every lookup gathered into it.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_NUMBER = 100  # characters of a certificate number; every pattern's numbers are far shorter
MAX_TEXT = 200  # characters of a search term
MAX_POSITION = 2**63 - 1  # a log position is a PostgreSQL BIGINT
MAX_PAGE = 1_000_000


def unsafe(value: str) -> str | None:
    """Why ``value`` cannot be text the registry reads (Chinese, English), or None when it can."""
    found = _UNSAFE.search(value)
    if found is None:
        return None
    char = found.group()
    if "\ud800" <= char <= "\udfff":
        return f"含有不成对的代理码元 U+{ord(char):04X} / it holds a lone surrogate (U+{ord(char):04X})"
    return f"含有控制字符 U+{ord(char):04X} / it holds a control character (U+{ord(char):04X})"


def impossible_number(number: str) -> bool:
    """Whether no certificate can have this number: the plain lookup's whole check, two cheap tests."""
    return len(number) > MAX_NUMBER or _UNSAFE.search(number) is not None


def certificate_number(number: str) -> str:
    """A certificate number as it may be looked up; an impossible one is a 422 of its own, never a query."""
    if len(number) > MAX_NUMBER:
        raise InvalidInput("number", f"证书编号过长 / a certificate number has at most {MAX_NUMBER} characters, "
                                     f"this one {len(number)}")
    reason = unsafe(number)
    if reason is not None:
        raise InvalidInput("number", f"证书编号{reason}")
    return number


def search_text(field: str, value: str | None, max_length: int = MAX_TEXT) -> str | None:
    """A search term, stripped; None (no condition) when blank."""
    if value is None:
        return None
    if len(value) > max_length:
        raise InvalidInput(field, f"查询内容过长 / {field} has at most {max_length} characters, not {len(value)}")
    reason = unsafe(value)
    if reason is not None:
        raise InvalidInput(field, f"查询内容{reason}")
    return value.strip() or None


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
