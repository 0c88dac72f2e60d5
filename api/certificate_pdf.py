"""The certificate document (R-CERT-1, R-CERT-3, §13): an A4 PDF/A-3b, Chinese first with English beneath.

It carries every §10.1 item as the certificate stands (its current version, named), the registry's certification
mark (``api/static/mark.svg``, a vector drawing kept here) with the certificate number beneath it, sized by width
only so it scales proportionally, and the QR code of the signed ``verify_url``. Rendered by WeasyPrint from
``templates/certificate.html``; the fonts are embedded (PDF/A requires it). Chinese needs a CJK font installed
(``fonts-wqy-zenhei`` or ``fonts-noto-cjk``): without one, rendering stops with ``CJKFontMissing`` rather than
print boxes in place of the characters.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
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


def context(view: CertificateView, verify_url: str) -> dict[str, Any]:
    c = plain(view)
    levels = [{"zh": LEVELS[lv["level"]][0], "en": LEVELS[lv["level"]][1], "method_zh": METHODS[lv["method"]][0],
               "method_en": METHODS[lv["method"]][1], "reference": lv.get("reference")} for lv in c["levels"]]
    since = c["versions"][-1]["since"] if c["versions"] else c["issued_on"]
    svg = qr.images.image(verify_url, "svg").content.decode("utf-8")
    svg = svg[svg.index("<svg"):]  # inline: no XML declaration inside HTML
    return {"c": c, "levels": levels, "since": since, "status": STATUSES[c["status"]], "outcomes": OUTCOMES,
            "qr": svg, "mark": _mark(), "font": cjk_font(), "verify_page": verify_url.split("?", 1)[0]}


def render(view: CertificateView, signer: Signer) -> bytes:
    """The certificate as PDF/A-3b bytes, its QR holding the verify_url ``signer`` signs for it."""
    from weasyprint import HTML  # imported when a certificate is rendered: it loads Pango at import

    url = signer.verify_url(view.number, view.organization["uscc"], view.issued_on, view.valid_until)
    html = templates.get_template("certificate.html").render(**context(view, url))
    pdf: bytes = HTML(string=html, base_url=str(MARK.parent)).write_pdf(
        pdf_variant="pdf/a-3b", pdf_identifier=view.number.encode("utf-8"), uncompressed_pdf=False)
    return pdf
