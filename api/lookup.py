"""The public lookup's fast lane: a plain GET of one certificate, or of its ``qr.svg`` / ``qr.png``, or of a C2SP
hash tile of the log (``hash_tile``: kept in the worker, or read gathered with the others pending), or the start
page, or a public search whose answer is kept (``kept_search``), answered before
the framework's inner layers (the edge, the exception middleware, routing, the route's dependency solving), which
were a large part of a lookup's time in a worker. It is the hot path of the service.

One module owns the lane: which requests it answers (``plain``), how it reads them (``certificate``, ``qr_image``:
a row of the public read model through ``app.state.reader``, served as ``api.public_reads.as_served`` renders it)
and how it answers a failure (``failure``: the app's own exception handler). The documented FastAPI routes
(``api.routers.public_certificates``, ``api.routers.public``) are the one handler of these URLs for every other
request (a query, ``X-Registry-After``, ``Authorization``), and they answer by calling the same functions, so the
two give the same answer to the same request.
"""

from __future__ import annotations

import inspect
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from api import front, qr, tiles
from api.edge import NOSNIFF_HEADERS
from api.inputs import MAX_PAGE, certificate_number
from api.public_reads import as_served
from api.search_answers import MAX_QUERY, Answers, search_key, search_problem
from registry.errors import NotFound

PREFIX = "/api/v1/public/certificates/"
TILES = "/log/tile/"
SEARCH = "/search"
IMAGES = {"qr.svg": "svg", "qr.png": "png"}  # what may follow a number in the path, and its image format
CACHE_CONTROL = "public, max-age=86400"  # a QR image: fixed while its certificate's signed fields and key stay
# A read-your-write goes on to the route, which waits; an authenticated request to the edge, which marks it
# private (no-store).
NOT_PLAIN = (b"x-registry-after", b"authorization")
PRIVATE = (b"authorization",)  # a page asked with a token: the edge marks the answer no-store


def carries(scope: Scope, names: tuple[bytes, ...]) -> bool:
    """Whether the request has a header of ``names`` (lower case)."""
    return any(name in names for name, _ in scope["headers"])


def plain(scope: Scope) -> tuple[str, str | None] | None:
    """``(number, image format or None)`` when the fast lane answers this request: a GET of a certificate or of
    its QR image, with no query string, no ``X-Registry-After`` and no ``Authorization``; otherwise None."""
    path: str = scope.get("path", "")
    if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(PREFIX) or scope["query_string"]:
        return None
    number, slash, rest = path[len(PREFIX):].partition("/")
    fmt = IMAGES.get(rest) if slash else None
    if not number or (slash and fmt is None):
        return None
    return None if carries(scope, NOT_PLAIN) else (number, fmt)


async def certificate(app: Starlette, number: str) -> Response:
    """A certificate's public document as its row holds it (re-rendered after a lapse since), or NotFound; a
    number no certificate can have is refused before it joins anyone else's query."""
    certificate_number(number)  # a length test and str.isprintable() for a usual number (text.fault)
    row = await app.state.reader.get(number)
    if row is None:
        raise NotFound(f"未找到证书 {number} / no certificate {number}")
    return Response(as_served(row, app.state.registry.clock.today()), media_type="application/json",
                    headers=NOSNIFF_HEADERS)


def stored_verify_url(document: str) -> str:
    """The verify_url in a stored public document, found without parsing it all (keys are sorted, URLs have no
    quotes)."""
    start = document.rindex('"verify_url": "') + len('"verify_url": "')
    return document[start:document.index('"', start)]


async def qr_image(app: Starlette, number: str, fmt: str, if_none_match: str | None) -> Response:
    """The QR code of a certificate's stored verify_url, as ``svg`` or ``png`` (rendered once, then cached), or
    304 when ``If-None-Match`` names its ETag; NotFound for an unknown number."""
    certificate_number(number)
    row = await app.state.reader.get(number)
    if row is None:
        raise NotFound(f"未找到证书 {number} / no certificate {number}")
    image = qr.images.image(stored_verify_url(row[0]), fmt)
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": image.etag, **NOSNIFF_HEADERS}
    if if_none_match is not None:
        wanted = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        if image.etag in wanted or "*" in wanted:
            return Response(status_code=304, headers=headers)
    return Response(image.content, media_type=image.media_type, headers=headers)


async def failure(app: Starlette, scope: Scope, receive: Receive, exc: Exception) -> Response:
    """The app's answer to ``exc``: its handler for the nearest class of the exception, awaited when it is a
    coroutine function, called when it is a plain one; an exception no handler takes is raised again."""
    handler = next((app.exception_handlers[c] for c in type(exc).__mro__ if c in app.exception_handlers), None)
    if handler is None:
        raise exc
    answered = handler(Request(scope, receive), exc)
    response: Response = await answered if inspect.isawaitable(answered) else answered
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def plain_tile(scope: Scope) -> tiles.Tile | None:
    """The hash tile a plain GET names (no query string; a tile is public, so a token changes nothing), or None:
    an entry bundle, a path that names no tile, or another request, which the routes answer
    (``api.routers.tlog``)."""
    path: str = scope.get("path", "")
    if scope["type"] != "http" or scope["method"] != "GET" or not path.startswith(TILES) or scope["query_string"]:
        return None
    try:
        tile = tiles.parse(path[len(TILES):])
    except tiles.TilePathError:
        return None
    return tile if tile.level is not None else None


async def hash_tile(app: Starlette, tile: tiles.Tile) -> bytes | None:
    """A hash tile's bytes: kept in the worker (``api.tiles.Kept``: a tile's bytes never change), or read, gathered
    with the other reads pending (``store.TileReader``), then kept; None when the tree does not have it (yet)."""
    kept: tiles.Kept = app.state.tiles
    data = kept.get(tile)
    if data is None:
        read = await app.state.tile_reader.get(tile.nodes())
        if read is None or len(read) != tile.width * tiles.HASH_SIZE:
            return None
        kept.keep(tile, read)
        data = read
    return data


def plain_home(scope: Scope) -> bool:
    """Whether this is a plain GET of the start page (no query string, no ``Authorization``): the same bytes for
    everyone (``api.front.home_page``)."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("path") != "/" or scope["query_string"]:
        return False
    return not carries(scope, PRIVATE)


def plain_search(scope: Scope) -> tuple[str, int] | None:
    """``(what was typed, page)`` of a plain GET of the public search (``q`` and ``page`` alone, each once, both as
    the route would take them, and no ``Authorization``), or None: the route answers everything else
    (``api.public_site.search``: an empty or refused search, a query it must parse itself)."""
    if scope["type"] != "http" or scope["method"] != "GET" or scope.get("path") != SEARCH or carries(scope, PRIVATE):
        return None
    # As Starlette reads a query string (QueryParams).
    pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
    asked = dict(pairs)
    if len(asked) != len(pairs) or not asked.keys() <= {"q", "page"} or len(asked.get("q", "")) > MAX_QUERY:
        return None
    typed, page = asked.get("q", "").strip(), asked.get("page", "1")
    if not typed or search_problem(typed) is not None or not (page.isascii() and page.isdigit()):
        return None
    return (typed, int(page)) if 1 <= int(page) <= MAX_PAGE else None


async def kept_search(app: Starlette, typed: str, page: int) -> Response | None:
    """The search's answer kept while the public view has not moved (``api.search_answers``), or None."""
    answers: Answers = app.state.search_answers
    _, answer = await answers.kept(search_key(app, typed, page))
    return answer.response() if answer is not None else None


class FastLane:
    """Plain ASGI middleware (Starlette's BaseHTTPMiddleware would cost each request a task and a queue): the
    requests ``plain`` picks are answered here; every other request goes on to the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        tile = plain_tile(scope)
        if tile is not None:
            await self.tile(scope, receive, send, tile)
            return
        if plain_home(scope):
            await front.home_page(scope["app"].openapi_url or "")(scope, receive, send)  # a FastAPI app's
            return
        search = plain_search(scope)
        if search is not None:
            await self.search(scope, receive, send, search)
            return
        asked = plain(scope)
        if asked is None:
            await self.app(scope, receive, send)
            return
        number, fmt = asked
        app: Starlette = scope["app"]
        try:
            if fmt is None:
                response = await certificate(app, number)
            else:
                tag = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
                response = await qr_image(app, number, fmt, tag.decode("latin-1") if tag is not None else None)
        except Exception as exc:
            response = await failure(app, scope, receive, exc)
        await response(scope, receive, send)

    async def tile(self, scope: Scope, receive: Receive, send: Send, tile: tiles.Tile) -> None:
        """A hash tile, or, when the tree does not have it, the route's answer (404)."""
        app: Starlette = scope["app"]
        try:
            data = await hash_tile(app, tile)
        except Exception as exc:
            await (await failure(app, scope, receive, exc))(scope, receive, send)
            return
        if data is None:
            await self.app(scope, receive, send)
            return
        await Response(data, media_type=tiles.MEDIA_TYPE, headers=tiles.IMMUTABLE)(scope, receive, send)

    async def search(self, scope: Scope, receive: Receive, send: Send, search: tuple[str, int]) -> None:
        """A kept search answer, or the route's (which reads and keeps it)."""
        app: Starlette = scope["app"]
        try:
            response = await kept_search(app, *search)
        except Exception as exc:
            response = await failure(app, scope, receive, exc)
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)
