"""The certificate document (R-CERT-1, R-CERT-3, R-MARK-1, §13): an A4 PDF/A-3b, Chinese first with English beneath.

It carries every §10.1 item as the certificate stands (its current version, named), the registry's certification
mark (``api/static/mark.svg``, a vector drawing kept here) with the issuing body's name beside it and the
certificate number beneath it, and the QR code of the signed ``verify_url``. The mark is sized by its width only, so
it keeps the proportions of its viewBox (its preserveAspectRatio is the default, never ``none``) and its own colours.
Rendered by WeasyPrint from ``templates/certificate.html``; the fonts are embedded (PDF/A requires it). Chinese
needs a CJK font installed (``fonts-wqy-zenhei`` or ``fonts-noto-cjk``): without one, rendering stops with
``CJKFontMissing`` rather than print boxes in place of the characters.

The certificate number never wraps (R-CERT-3). Each place that prints it is a no-wrap line whose size ``fit`` works
out from the font's own advance widths, so a long number (a configured pattern may make one of up to 100
characters, ``registry/text.py``) prints smaller instead of breaking at a hyphen. While the number fits beside the
mark at 10 pt or more it stands there, under the body's name; a longer one takes a line of its own beneath the mark,
as wide as the page. The verify page's address in "other information" holds the number too and is kept whole the
same way.

The QR is printed 40 mm wide with its quiet zone: a verify URL of today (about 250 characters, a version 11 symbol
at error correction M) gets modules of about 0.58 mm, over two pixels of a 100 dpi scan, which the tests read back
blurred as a scanner's optics blur it. Level M stays (15 % of the symbol may be lost to a stamp, a fold or a stain):
level L would enlarge the modules by only 7 % (version 10 in place of 11). The URL's format (API.md) is unchanged.

PDF/A-3b is WeasyPrint's ``pdf_variant="pdf/a-3b"``. veraPDF is not installed here (nor packaged for this system),
so no full ISO 19005-3 validation runs. What ``tests/e2e/test_certificate_pdf.py`` checks: the XMP identification
(``pdfaid:part`` 3, ``pdfaid:conformance`` B) and the title naming the certificate; every font embedded (pdffonts,
and a font file in every font descriptor); the header's binary comment, the trailer's ID (the certificate number),
no encryption and nothing after ``%%EOF``; the output intent (GTS_PDFA1) with its RGB ICC profile; the catalog's
metadata stream; no JavaScript or launch action. What it does not check: the XMP against its schemas, the
information dictionary's agreement with the XMP, every colour and operator in the content streams, the embedded
fonts' glyph widths against the PDF's, their Unicode mappings.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

from api import qr
from api.pages import LEVELS, METHODS, OUTCOMES, STATUSES, templates
from api.signing import Signer
from registry.history import plain
from registry.views import CertificateView

MARK = Path(__file__).parent / "static" / "mark.svg"
# Fonts that hold every character of GB 2312 and whose licences allow embedding, in order of preference.
CJK_FONTS = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei")
INSTALL = "apt-get install -y fonts-wqy-zenhei (or fonts-noto-cjk)"


class CJKFontMissing(RuntimeError):
    """No Chinese font is installed: the certificate cannot be rendered legibly."""


@cache
def cjk_font() -> str:
    """The first installed font of ``CJK_FONTS``, by fontconfig's list of fonts covering Chinese."""
    if shutil.which("fc-list") is None:
        raise CJKFontMissing(f"未安装 fontconfig 的 fc-list，找不到中文字体：{INSTALL} / "
                             f"fontconfig's fc-list is missing, so no Chinese font can be found; {INSTALL}")
    listed = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout
    families = {name.strip() for line in listed.splitlines() for name in line.split(",")}
    for font in CJK_FONTS:
        if font in families:
            return font
    raise CJKFontMissing(f"未安装中文字体（{'、'.join(CJK_FONTS)}），证书的中文将无法显示：{INSTALL} / "
                         f"no Chinese font is installed ({', '.join(CJK_FONTS)}): the certificate would print boxes "
                         f"in place of its Chinese text; {INSTALL}")


@cache
def _mark() -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(MARK.read_bytes()).decode("ascii")


@cache
def _advances(font: str) -> dict[int, float] | None:
    """Each character's advance in ``font`` (em), from the file fontconfig picks for it; None when that cannot be
    read (then every character counts as 1 em, as wide as any CJK or Latin glyph)."""
    # WeasyPrint's own dependency (it subsets the fonts it embeds with it); it ships no type information.
    from fontTools.ttLib import TTFont

    found = subprocess.run(["fc-match", "-f", "%{file}|%{index}", font], capture_output=True, text=True,
                           check=False).stdout
    path, _, index = found.partition("|")
    try:
        with TTFont(path, fontNumber=int(index or 0), lazy=True) as face:
            per_em, metrics = face["head"].unitsPerEm, face["hmtx"]
            return {code: metrics[glyph][0] / per_em for code, glyph in face.getBestCmap().items()}
    except (OSError, ValueError, KeyError):
        return None


def width_em(text: str, font: str) -> float:
    """How wide ``text`` prints in ``font``, in em (kerning aside)."""
    advances = _advances(font)
    if advances is None:
        return float(len(text))
    # A character the font lacks comes from a fallback font: a wide one counts as 1 em, any other as the widest Latin.
    return sum(advances.get(ord(ch), 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.9) for ch in text)


def fit(text: str, width_mm: float, largest_pt: float, font: str) -> float:
    """The font size (pt) at which ``text`` fills at most ``width_mm`` on one line, ``largest_pt`` at most: a long
    certificate number prints smaller rather than wrap (a configured pattern may make it up to 100 characters)."""
    em = width_em(text, font)
    if em <= 0:
        return largest_pt
    room_pt = width_mm / 25.4 * 72 * 0.97  # 3 % spare for kerning and rounding
    return min(largest_pt, int(room_pt / em * 10) / 10)


def _qr_svg(verify_url: str) -> str:
    """The QR of ``verify_url`` as inline SVG, scaled to the size the template gives it. zxing-cpp's drawing has a
    width and height but no viewBox, and by the SVG rules sizing such an element does not scale its drawing (WeasyPrint
    70 scales it anyway): the viewBox makes the 40 mm of the template hold for any renderer."""
    svg = qr.images.image(verify_url, "svg").content.decode("utf-8")
    svg = svg[svg.index("<svg"):]  # inline: no XML declaration inside HTML
    size = re.match(r'<svg width="(\d+)" height="(\d+)"', svg)
    if size and "viewBox" not in svg[:svg.index(">")]:
        svg = f'<svg viewBox="0 0 {size[1]} {size[2]}"' + svg[size.end():]
    return svg


def context(view: CertificateView, verify_url: str) -> dict[str, Any]:
    c = plain(view)
    levels = [{"zh": LEVELS[lv["level"]][0], "en": LEVELS[lv["level"]][1], "method_zh": METHODS[lv["method"]][0],
               "method_en": METHODS[lv["method"]][1], "reference": lv.get("reference")} for lv in c["levels"]]
    since = c["versions"][-1]["since"] if c["versions"] else c["issued_on"]
    font = cjk_font()

    def fit_pt(text: str, width_mm: float, largest_pt: float) -> float:
        return fit(text, width_mm, largest_pt, font)

    return {"c": c, "levels": levels, "since": since, "status": STATUSES[c["status"]], "outcomes": OUTCOMES,
            "qr": _qr_svg(verify_url), "mark": _mark(), "font": font, "fit_pt": fit_pt,
            "verify_page": verify_url.split("?", 1)[0]}


def render(view: CertificateView, signer: Signer) -> bytes:
    """The certificate as PDF/A-3b bytes, its QR holding the verify_url ``signer`` signs for it."""
    from weasyprint import HTML  # imported when a certificate is rendered: it loads Pango at import

    url = signer.verify_url(view.number, view.organization["uscc"], view.issued_on, view.valid_until)
    html = templates.get_template("certificate.html").render(**context(view, url))
    pdf: bytes = HTML(string=html, base_url=str(MARK.parent)).write_pdf(
        pdf_variant="pdf/a-3b", pdf_identifier=view.number.encode("utf-8"), uncompressed_pdf=False)
    return pdf
