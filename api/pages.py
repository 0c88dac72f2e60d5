"""The public verify page (API.md, Public: ``GET /verify/{number}``): what a QR scan of a certificate opens.

Server-rendered HTML, Chinese first and English beneath, readable on a phone and working without JavaScript (the page
has none): the live status in words and colour, the §10.1 contents (R-CERT-1), surveillance, the status history,
and the check of the signed token in the URL (``?t=``) against the registry's own record of this number.

A token *matches* only when its signature holds under the published QR key and what it vouches for (number, USCC,
issue date, validity) equals the live record; anything else, including a genuine token of another certificate pasted
onto this number, *does not match*. No token at all is *absent*, told apart from a forgery.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.concurrency import run_in_threadpool

from api.public_reads import as_served
from api.routers.public_certificates import AFTER_RESPONSES, After, Number, wait_for
from api.signing import InvalidToken, Signer, read_token, verify_token

router = APIRouter(tags=["public · 公开查询"])

# autoescape=True: every template here is HTML, and every value in it (names, addresses, the number in the path,
# the token) comes from outside.
# auto_reload=False: the templates ship with the code and change only with it, so a page does not ask the file
# system whether its templates changed (a stat of each, every render: 3 % of a work page).
templates = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True,
                        undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True, auto_reload=False)

# The status is live: a cached page could show a withdrawn certificate as valid. The page loads nothing and runs
# nothing, so its policy allows only its own inline style block.
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                               "form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

STATUSES: dict[str, tuple[str, str, str, str]] = {  # status: Chinese, English, sentence in Chinese, in English
    "valid": ("有效", "Valid", "登记记录显示该证书有效。", "The registry's record shows this certificate as valid."),
    "suspended": ("暂停", "Suspended", "该证书已暂停，暂停期间不得使用该证书。",
                  "This certificate is suspended and may not be used while it is suspended."),
    "withdrawn": ("撤销", "Withdrawn", "该证书已撤销，不再有效。",
                  "This certificate has been withdrawn and is no longer valid."),
    "cancelled": ("注销", "Cancelled", "该证书已注销，不再有效。",
                  "This certificate has been cancelled and is no longer valid."),
    "expired": ("过期", "Expired", "该证书已过有效期，不再有效。",
                "This certificate has expired and is no longer valid."),
}
GROUNDS = {  # suspension grounds: §11.3 (1)–(4) and R-SURV-4
    "major_defect": ("管理体系存在重大缺陷", "Major defects in the management system"),
    "trading_noncompliance": ("未履行碳排放权交易履约义务", "Carbon-trading compliance obligations not fulfilled"),
    "enforcement_penalty": ("有效期内受到执法监管部门处罚", "Penalised by an enforcement authority during validity"),
    "uncorrected_nonconformity": ("其他严重不符合未按期纠正", "Another serious nonconformity not corrected in time"),
    "surveillance_overdue": ("监督审核逾期", "Surveillance audit overdue"),
}
CANCELLATION_GROUNDS = {  # §11.4 (1)–(3)
    "expired": ("证书有效期届满", "The certificate expired"),
    "client_request": ("获证组织申请注销", "The certified organisation asked for it"),
    "other": ("其他依法应予注销的情形", "Another ground for cancellation"),
}
EVENTS = {  # R-PUB-1: the entries of the change history (证书变化历史轨迹)
    "issued": ("颁发证书", "Issued"),
    "changed": ("证书变更", "Changed"),
    "suspended": ("暂停", "Suspended"),
    "reinstated": ("恢复", "Reinstated"),
    "withdrawn": ("撤销", "Withdrawn"),
    "cancelled": ("注销", "Cancelled"),
    "expired": ("过期", "Expired"),
}
# No green tick for these (R-PUB-1): a genuine signature on a certificate that may not be relied on is said in the
# status's own colour.
NOT_VALID = frozenset({"suspended", "withdrawn", "cancelled", "expired"})
LEVELS = {
    "organization": ("组织层面", "Organisation"),
    "product": ("产品层面", "Product"),
    "project": ("项目层面", "Project"),
    "activity": ("活动层面", "Activity"),
}
METHODS = {
    "national_standard": ("国家标准", "National standard"),
    "sector_standard": ("行业标准", "Sector standard"),
    "group_standard": ("团体标准", "Group standard"),
    "iso_14064_1": ("ISO 14064-1", "ISO 14064-1"),
    "iso_14067": ("ISO 14067", "ISO 14067"),
    "iso_14064_2": ("ISO 14064-2", "ISO 14064-2"),
    "project_methodology": ("项目方法学", "Project methodology"),
    "large_event_guide": ("《大型活动碳中和实施指南》", "Guide to carbon neutrality of large events"),
}
OUTCOMES = {
    "maintained": ("保持认证", "Certification maintained"),
    "nonconformities": ("发现不符合项", "Nonconformities found"),
}
TOKEN_FIELDS = {  # what a token vouches for, as the page names it
    "number": ("证书编号", "number"),
    "uscc": ("统一社会信用代码", "USCC"),
    "issued_on": ("颁证日期", "issue date"),
    "valid_until": ("有效期", "validity"),
}


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of checking ``?t=``: ``matches``, ``mismatch`` or ``absent``, and why (Chinese, English)."""

    outcome: str
    reason: tuple[str, str] | None = None
    key_id: str | None = None


def check_token(signer: Signer, token: str | None, document: dict[str, Any]) -> TokenCheck:
    """The token holds under the published QR key and vouches for exactly this certificate's live record."""
    if token is None or not token.strip():
        return TokenCheck("absent")
    try:
        claimed, _, _ = read_token(token)
    except InvalidToken:
        return TokenCheck("mismatch", ("链接中的签名无法识别", "The signature in the link cannot be read"))
    known = signer.verifying_keys()  # every key it has published, retired ones too
    if claimed.key_id not in known:
        return TokenCheck("mismatch", ("签名所用的密钥不是本登记系统公布的密钥",
                                       "It was signed with a key this registry has not published"),
                          claimed.key_id)
    try:
        payload = verify_token(token, known)
    except InvalidToken:
        return TokenCheck("mismatch", ("签名验证失败", "The signature does not verify"), claimed.key_id)
    record = {"number": document["number"], "uscc": document["organization"]["uscc"],
              "issued_on": date.fromisoformat(document["issued_on"]),
              "valid_until": date.fromisoformat(document["valid_until"])}
    differ = [field for field, value in record.items() if getattr(payload, field) != value]
    if differ:
        zh = "、".join(TOKEN_FIELDS[f][0] for f in differ)
        en = ", ".join(TOKEN_FIELDS[f][1] for f in differ)
        return TokenCheck("mismatch", (f"签名所证明的内容与登记记录不一致：{zh}",
                                       f"What it vouches for differs from the registry's record: {en}"),
                          payload.key_id)
    return TokenCheck("matches", key_id=payload.key_id)


def _ground(code: str | None) -> tuple[str, str] | None:
    return GROUNDS.get(code, (code, code)) if code else None


def history_entries(history: list[dict[str, Any]], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The change history as the page shows it, oldest first: each entry's date, event and status words, and
    its ground's words where it has a public one. A certificate written before the history table had its rows
    (``certificate_history``) shows its status timeline instead."""
    if not history:
        history = [{"on": h["since"], "event": None, "status": h["status"], "ground": None}
                   for h in doc.get("status_history") or []]
    shown = []
    for entry in history:
        event, code = entry["event"], entry["ground"]
        grounds = CANCELLATION_GROUNDS if event == "cancelled" else GROUNDS
        shown.append({**entry, "event_words": EVENTS.get(event, (event, event)) if event else None,
                      "ground_words": grounds.get(code, (code, code)) if code else None})
    if shown and shown[-1]["status"] != doc["status"]:  # a lapse shown before the scheduler records it
        code = doc.get("suspension_ground") if doc["status"] == "suspended" else None
        shown.append({"on": doc["status_since"], "event": doc["status"], "status": doc["status"], "ground": code,
                      "event_words": EVENTS.get(doc["status"], (doc["status"], doc["status"])),
                      "ground_words": GROUNDS.get(code, (code, code)) if code else None})
    return shown


def _page(name: str, status_code: int, **context: Any) -> HTMLResponse:
    html = templates.get_template(name).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=HEADERS)


@router.get("/verify/{number}", response_class=HTMLResponse,
            responses={404: {"content": {"text/html": {}}, "description": "no such certificate (an HTML page)"},
                       **AFTER_RESPONSES},
            summary="The verify page a QR scan opens: status, §10.1 contents and the token check (HTML)")
async def verify(number: Number, request: Request, t: str | None = None, after: After = None) -> HTMLResponse:
    """``t`` is the signed token of the certificate's verify_url; ``after`` (a log position) waits, bounded, for the
    views to reach a write, and then shows what they have. The number is matched ignoring case."""
    # A number no certificate can have was refused already (``Number``): a 422 problem of its own, never a page.
    signer: Signer = request.app.state.signer
    today = request.app.state.registry.clock.today()
    await wait_for(request)
    base = signer.public_base_url
    row = await request.app.state.reader.get(number)  # the public read model, as the lookup reads it
    if row is None:
        return _page("not_found.html", 404, number=number, keys_url=f"{base}/api/v1/public/keys",
                     json_url=f"{base}/api/v1/public/certificates/{quote(number, safe='')}")
    doc: dict[str, Any] = json.loads(as_served(row, today))
    status = doc["status"]
    # One read by the history table's primary key; a lapse the scheduler has not recorded yet (as_served) is not
    # in it, and is shown as the live status above it.
    history = await run_in_threadpool(request.app.state.views.public.history, doc["number"])
    return _page(
        "verify.html", 200, doc=doc, status=status,
        status_words=STATUSES.get(status, (status, status, "", "")),
        statuses=STATUSES, grounds=GROUNDS, history=history_entries(history, doc),
        not_valid=status in NOT_VALID, levels=LEVELS, methods=METHODS, outcomes=OUTCOMES,
        ground=_ground(doc.get("suspension_ground")) if status == "suspended" else None,
        token=check_token(signer, t, doc), today=today, keys_url=f"{base}/api/v1/public/keys",
        json_url=f"{base}/api/v1/public/certificates/{quote(doc['number'], safe='')}")
