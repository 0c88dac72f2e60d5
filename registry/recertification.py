"""Recertification's content (§9.2.2, R-RECERT-2): the four items a renewal case's report covers. A missing item is a
gap of the report (as R-REP-1's are): recorded when the report is submitted, and it bars the decision. The rest of
R-RECERT-2 lives where it acts: a suspended certificate is not renewed (``Certificate.check_renewable``), the new
certificate's first surveillance counts from the recertification audit (``Deciding``), and its history shows the
earlier cycle (``Past.certificate_history``).
"""

from __future__ import annotations

from collections.abc import Mapping

from registry.errors import InvalidInput
from registry.rules import Gap
from registry.values import RECERTIFICATION_ITEMS


def recertification_gaps(recertification: Mapping[str, str] | None) -> list[Gap]:
    """R-RECERT-2: each of the four items of §9.2.2 the renewal report does not cover."""
    given = recertification or {}
    unknown = sorted(set(given) - set(RECERTIFICATION_ITEMS))
    if unknown:
        raise InvalidInput("recertification", "recertification 只含 §9.2.2 的四项 / recertification holds the four "
                                              f"items of §9.2.2 only, not {', '.join(unknown)}")
    return [Gap("R-RECERT-2", "§9.2.2", f"再认证报告未覆盖 {item} / the recertification report does not cover {item}")
            for item in RECERTIFICATION_ITEMS if not str(given.get(item) or "").strip()]
