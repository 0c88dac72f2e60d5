"""What a record's page (a case's, a certificate's, a person's, an organisation's) shows of the records it keeps
besides its steps (§13), for ``office/_records.html``: the fields of its events the user may correct (R-REC-6: those
the event's class declares correctable, of the steps the user's roles took) and, on a case's or a certificate's,
the scans of its paper originals (R-REC-3). The forms' routes are ``api.office.records``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api.office.frame import Signed
from registry.base import RegistryAggregate
from registry.case import Case
from registry.certificate import Certificate
from registry.history import plain
from registry.organization import Organization
from registry.person import Person

RECORDS: dict[str, type[RegistryAggregate]] = {"case": Case, "certificate": Certificate, "person": Person,
                                               "organization": Organization}
FILED_ON = ("case", "certificate")  # the records a paper original is filed on
FIELDS = {  # the correctable fields as a person names them
    "detail": ("说明", "Detail"), "source": ("来源", "Source"), "evidence": ("证据", "Evidence"),
    "description": ("情况", "Description"), "scope": ("申请的认证范围", "Scope applied for"),
    "permits": ("许可", "Permits"), "compliance_information": ("合规信息", "Compliance information"),
}


def keeping(record: str, events: Iterable[tuple[int, str, str, dict[str, Any]]], signed: Signed,
            event_names: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """What the page's records part shows of the record's own events (version, type, the role that took it, its data
    as recorded), oldest first: the fields the user may correct, each as a ``version:field`` choice with its value
    as corrected so far, and the paper originals filed."""
    aggregate = RECORDS[record]
    own = [(version, kind, role, dict(data)) for version, kind, role, data in events]
    by_version = {version: data for version, _, _, data in own}
    originals = []
    for _, kind, _, data in own:
        if kind == "CorrectionRecorded" and data.get("changes"):
            by_version.get(int(data["corrects_version"]), {}).update(data["changes"])
        elif kind == "PaperOriginalFiled":
            originals.append(data)
    choices = []
    for version, kind, role, data in own:
        correctable = getattr(getattr(aggregate, kind, None), "correctable", {})
        if not correctable or not signed.holds(role):
            continue
        zh, en = event_names.get(kind, (kind, kind))
        for field_name in correctable:
            fzh, fen = FIELDS.get(field_name, (field_name, field_name))
            now = str(data.get(field_name, ""))
            choices.append((f"{version}:{field_name}", f"第 {version} 版 {zh} · {fzh}（现为：{now[:40]}） / "
                                                         f"version {version} {en} · {fen}"))
    return {"choices": choices, "originals": originals, "files": record in FILED_ON}


def own_events(events: Iterable[Any]) -> list[tuple[int, str, str, dict[str, Any]]]:
    """A record's events as ``keeping`` reads them: version, type, the role that took it, its data as recorded."""
    return [(e.originator_version, type(e).__name__, getattr(getattr(e.actor, "role", None), "value", ""),
             {k: plain(v) for k, v in vars(e).items()}) for e in events]


def as_corrected(own: Iterable[tuple[int, str, str, dict[str, Any]]], kind: str) -> list[dict[str, Any]]:
    """The data of the record's events of type ``kind``, oldest first, each field as its corrections left it
    (R-REC-6), with the event's ``version`` and, where corrected, ``corrected``: how many times."""
    shown: dict[int, dict[str, Any]] = {}
    for version, event_kind, _, data in own:
        if event_kind == kind:
            shown[version] = {**data, "version": version, "corrected": 0}
        elif event_kind == "CorrectionRecorded" and data.get("changes"):
            target = shown.get(int(data["corrects_version"]))
            if target is not None:
                target.update(data["changes"])
                target["corrected"] += 1
    return list(shown.values())




def record_line(kind: str, data: dict[str, Any]) -> str:
    """What a case's history shows of a correction or a paper original filed ("" for any other event)."""
    if kind == "CorrectionRecorded":
        changed = "".join(f"；{FIELDS.get(k, (k, k))[0]} → {v}" for k, v in (data.get("changes") or {}).items())
        return f"更正第 {data.get('corrects_version')} 版 Corrects version {data.get('corrects_version')}：" \
               f"{data.get('detail', '')}{changed}"
    if kind == "PaperOriginalFiled":
        return f"{data.get('description', '')}；原件存放处 Held at：{data.get('held_at', '')}"
    return ""
