"""The public site's search and bulk check (R-PUB-1; API.md, Public site and directory): ``/search?q=`` (one box:
a certificate number, an organisation's name or a USCC) and ``/lookup`` (a pasted list or an uploaded CSV checked at
once, answered as a table or as a CSV download).

Server-rendered, Chinese first and English beneath, no JavaScript, nothing from elsewhere (``front.PAGE_HEADERS``).
A search is an indexed read of the public view (``OfficeLists.find_certificates``): a number (ignoring case) or a USCC
exactly, else a fragment from anywhere in a name, by the name suffixes' index, a page at a time, counted to 1,000.
A number that matches exactly goes straight to its page. Answers are kept while the public view has not moved
(``api/search_answers.py``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from api import bulk_lookup
from api.front import page as _page
from api.inputs import MAX_PAGE
from api.pages import STATUSES
from api.search_answers import MAX_QUERY, Answer, Answers, search_key, search_problem
from registry.errors import InvalidInput

router = APIRouter(include_in_schema=False)
MAX_CSV_BYTES = 512 * 1024  # an uploaded list: 1,000 entries with their other columns fit many times over


@router.get("/search", response_model=None)
async def search(request: Request, q: Annotated[str, Query(max_length=MAX_QUERY)] = "",
                 page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1) -> Response:
    """The results, each linking to its verify page; a number matched exactly opens its page at once."""
    typed = q.strip()
    if not typed:
        return _page("search.html", q="", problem=None, listed=None, statuses=STATUSES, pages=[])
    problem = search_problem(typed)
    if problem is not None:
        return _page("search.html", 422, q=typed, problem=problem, listed=None, statuses=STATUSES, pages=[])
    answers: Answers = request.app.state.search_answers
    key = search_key(request.app, typed, page)
    position, answer = await answers.kept(key)  # kept: the fast lane's miss, or a request it leaves to the route
    if answer is None:
        answer = await run_in_threadpool(_answer, request, typed, page, position)
        answers.keep(key, answer)
    return answer.response()


def _answer(request: Request, typed: str, page: int, position: int) -> Answer:
    """The search's answer read now: a number found exactly goes to its page, anything else is a page of results."""
    listed = request.app.state.views.public.find_certificates(typed, page)
    if listed.page == 1 and listed.total == 1 and listed.rows[0]["number"].upper() == typed.upper():
        return Answer(position, location=f"/verify/{quote(listed.rows[0]['number'], safe='')}")
    pages = [(n, f"/search?{urlencode({'q': typed, 'page': n})}") for n in range(1, listed.pages + 1)]
    return Answer(position, bytes(_page("search.html", q=typed, problem=None, listed=listed, statuses=STATUSES,
                                        pages=pages).body))


@router.get("/lookup")
def lookup_form() -> HTMLResponse:
    return _page("lookup.html", entries="", problem=None, items=None, statuses=STATUSES,
                 limit=bulk_lookup.MAX_ENTRIES)


@router.post("/lookup", response_model=None)
async def lookup(request: Request) -> Response:
    """A list pasted (``entries``) and/or a CSV file (``file``): the statuses as a table, or as CSV with
    ``format=csv``. A read: it writes nothing, so it needs no CSRF token."""
    async with request.form(max_files=1, max_fields=10) as form:  # its temporary file closed on leaving
        pasted, upload, fmt = form.get("entries"), form.get("file"), form.get("format")
        entries = pasted if isinstance(pasted, str) else ""
        context: dict[str, Any] = {"entries": entries, "statuses": STATUSES, "limit": bulk_lookup.MAX_ENTRIES}
        uploaded = ""
        if isinstance(upload, UploadFile) and upload.filename:
            content = await upload.read(MAX_CSV_BYTES + 1)
            if len(content) > MAX_CSV_BYTES:
                return _page("lookup.html", 413, problem=("上传的文件过大（最多 512 KB）",
                                                          "the file is too large (at most 512 KB)"),
                             items=None, **context)
            uploaded = _decoded(content)
    try:
        queries = bulk_lookup.queries_in(entries, uploaded)
    except InvalidInput as e:
        zh, _, en = e.detail.partition(" / ")
        return _page("lookup.html", 422, problem=(zh, en), items=None, **context)
    today = request.app.state.registry.clock.today()
    items = await run_in_threadpool(bulk_lookup.lookup, request.app.state.views.public, queries, today)
    if fmt == "csv":
        return Response(bulk_lookup.as_csv(items), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="lookup-{today.isoformat()}.csv"',
                                 "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
    return _page("lookup.html", problem=None, items=items, **context)


def _decoded(content: bytes) -> str:
    """An uploaded CSV's text: UTF-8 (with or without a byte order mark), else GB 18030, as a spreadsheet saved in
    Chinese Windows writes it."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("gb18030", errors="replace")
