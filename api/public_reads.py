"""The public documents as served: stored rows hold each exactly as served (status history and signed
``verify_url`` included), so the common answer is the stored bytes; only a certificate whose surveillance or
validity has lapsed since it was written is re-rendered (R-SURV-4, R-EXP-1: published at once). The rows are read by
the store's reader (``Store.public_reader``), which on PostgreSQL gathers concurrent lookups into one query.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from datetime import date
from typing import Any

from api.signing import Signer
from registry.views import lapse

Row = tuple[str, str, str, str]  # document, status, valid_until, next_due_by
CONNECTION_WAIT = 2.0  # seconds a lookup waits for a pooled connection


def signed_extras(signer: Signer) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The fields only the edge can add to a public document: the signed verify_url (the QR's content).

    An Ed25519 signature is a function of the key and the signed bytes alone (RFC 8032), and the token signs only
    the number, USCC and dates, which most of a certificate's events leave as they were: the URLs of the
    certificates seen last are kept, and a surveillance audit or a suspension is not signed again."""

    @functools.lru_cache(maxsize=4096)
    def url(number: str, uscc: str, issued_on: str, valid_until: str) -> str:
        return signer.verify_url(number, uscc, date.fromisoformat(issued_on), date.fromisoformat(valid_until))

    def extras(document: dict[str, Any]) -> dict[str, Any]:
        return {"verify_url": url(document["number"], document["organization"]["uscc"], document["issued_on"],
                                  document["valid_until"])}

    return extras


def published(document: dict[str, Any], today: date) -> dict[str, Any]:
    """A certificate whose validity or surveillance lapsed never shows as valid, even before the scheduler has
    recorded the expiry or the suspension."""
    doc = dict(document)
    due = date.fromisoformat(doc["surveillance"]["next_due_by"])
    shown = lapse(doc["status"], date.fromisoformat(doc["valid_until"]), due, today)
    if shown is not None:
        status, since, ground = shown
        doc.update(status=status, status_since=since.isoformat())
        if status == "suspended":
            doc["suspension_ground"] = ground
    doc["surveillance"] = {**doc["surveillance"],
                           "overdue": due < today and doc["status"] not in ("withdrawn", "cancelled", "expired")}
    return doc


def needs_rendering(row: Row, today: str) -> bool:
    _, status, valid_until, next_due_by = row
    return status in ("valid", "suspended") and (valid_until < today or next_due_by < today)


def as_served(row: Row, today: date) -> bytes:
    """The answer for a row: its stored bytes, or re-rendered when a lapse since changed what it says."""
    if needs_rendering(row, today.isoformat()):
        return json.dumps(published(json.loads(row[0]), today), ensure_ascii=False, sort_keys=True).encode()
    return row[0].encode()
