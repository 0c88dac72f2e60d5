"""The certificate document (R-CERT-1, R-CERT-3, R-MARK-1, §13): rendered through the API and the command line, read
back with poppler (text and its boxes, fonts, the page as an image), zxing-cpp (the QR code) and a small reader of
the file's objects (the PDF/A structures poppler does not show)."""

from __future__ import annotations

import re
import subprocess
import zlib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image, ImageFilter

from api import certificate_pdf
from api.cli import main
from api.signing import check_verify_url, public_key_from_base64, signers
from demo.dataset import load_demo
from demo.scenario import DEMO_APPROVAL, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
from registry.text import NUMBER
from registry.values import Changes
from tests.e2e.conftest import Callers

TODAY = date(2026, 11, 24)


def text_of(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_image(pdf: Path, dpi: int = 150) -> Image.Image:
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(pdf.with_suffix(""))],
                   check=True)
    return Image.open(pdf.with_suffix(".png")).convert("RGB")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float  # points from the page's top left corner
    y0: float
    x1: float
    y1: float


def words_of(pdf: Path) -> list[Word]:
    """Every word on the page with its box: a word pdftotext finds whole lies on one line."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [Word(text, float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1, text in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


MARK_SVG = certificate_pdf.MARK.read_text(encoding="utf-8")
RING = (0x1F, 0x5F, 0x3F)  # the mark's outer ring (circle r=94, stroke 8: 196 units across) and its falling line
LEAF = (0x2E, 0x8B, 0x57)


@dataclass(frozen=True)
class Ring:
    """The mark's outer ring on the page image, in pixels: its extent across and down through its centre."""

    left: int
    right: int
    top: int
    bottom: int


def mark_ring(image: Image.Image) -> Ring:
    """Finds the mark by its leaf, then measures its outer ring along the row and the column through its centre.

    The leaf is symmetric about the ring's vertical axis, so the leaf's middle column is the ring's; the ring's middle
    row is then halfway between its top and bottom. Along each line the ring is the outermost pixel of its colour
    within 0.6 diameters of the centre (the inner ring and the leaf lie inside it, the body's name and the frame
    farther out)."""
    leaf = [(x, y) for x in range(0, image.width // 2, 2) for y in range(0, image.height // 3, 2)
            if _near(image.getpixel((x, y)), LEAF)]
    assert leaf, "the mark is not on the page"
    cx = (min(x for x, _ in leaf) + max(x for x, _ in leaf)) // 2
    leaf_top, leaf_bottom = min(y for _, y in leaf), max(y for _, y in leaf)
    reach = int((leaf_bottom - leaf_top) * 1.2)  # the leaf spans 40..150 of the ring's 2..198: well inside this
    column = [y for y in range(max(0, leaf_top - reach), min(image.height, leaf_bottom + reach))
              if _near(image.getpixel((cx, y)), RING)]
    top, bottom = min(column), max(column)
    cy = (top + bottom) // 2
    row = [x for x in range(max(0, cx - reach), min(image.width, cx + reach)) if _near(image.getpixel((x, cy)), RING)]
    return Ring(min(row), max(row), top, bottom)


@pytest.fixture
def demo_number(registry: Registry) -> str:
    """The demo's valid certificate that has had a change of address (so it is in its version 2)."""
    load_demo(registry)
    [number] = [n for n in registry.organization_by_uscc("91110000600037341L").certificates]
    return str(number)


def fetch(client: TestClient, callers: Callers, number: str, tmp_path: Path) -> Path:
    response = client.get(f"/api/v1/certificates/{number}/certificate.pdf", headers=callers.regulator.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    path = tmp_path / f"{number}.pdf"
    path.write_bytes(response.content)
    return path


def test_r_cert_1_the_pdf_carries_every_item_of_section_10_1(client: TestClient, callers: Callers,
                                                             registry: Registry, demo_number: str,
                                                             tmp_path: Path) -> None:
    view = registry.get_certificate(demo_number)
    text = text_of(fetch(client, callers, demo_number, tmp_path))
    flat = re.sub(r"\s+", "", text)

    items: dict[str, Any] = {
        "number": view.number, "organisation": view.organization["name"], "address": view.organization["address"],
        "uscc": view.organization["uscc"], "scope": view.scope, "basis": view.basis["standard"],
        "basis version": view.basis["version"], "issued on": view.issued_on.isoformat(),
        "valid until": view.valid_until.isoformat(), "issuer": view.issuer["name"],
        "issuer address": view.issuer["address"], "next surveillance": view.surveillance["next_due_by"].isoformat(),
    }
    for what, value in items.items():
        assert re.sub(r"\s+", "", value) in flat, f"{what} ({value}) is not on the certificate"
    for label in ("证书编号", "获证组织名称", "组织地址", "统一社会信用代码", "认证范围", "量化层面及方法", "认证依据",
                  "颁证日期", "有效期至", "监督审核", "发证机构", "其他信息", "组织层面", "有效"):
        assert label in text
    for english in ("Certificate No.", "Organisation", "Unified social credit code", "Scope", "Certification basis",
                    "Valid until", "Surveillance", "Issuing body", "Other information"):
        assert english in text
    assert "第 2 版" in text and "Version 2" in text  # the demo changed this certificate's address
    assert "\ufffd" not in text and "□" not in text


def test_r_body_1_the_approval_number_is_in_the_certificate_s_other_information(
        client: TestClient, callers: Callers, registry: Registry, demo_number: str, tmp_path: Path) -> None:
    number = registry.get_certificate(demo_number).approval_number
    assert number == DEMO_APPROVAL[0]  # the demo's approval, recorded by its enrolment
    flat = re.sub(r"\s+", "", text_of(fetch(client, callers, demo_number, tmp_path)))
    other = flat[flat.index("其他信息"):]
    assert f"发证机构批准书编号{number}" in other and f"CNCAapprovalNo.{number}" in other


def test_r_cert_3_r_mark_1_the_number_is_printed_beneath_the_mark(client: TestClient, callers: Callers,
                                                                 demo_number: str, tmp_path: Path) -> None:
    pdf = fetch(client, callers, demo_number, tmp_path)
    ring = mark_ring(page_image(pdf))
    scale = 150 / 72  # points to the image's pixels
    words = words_of(pdf)
    beneath = [w for w in words if w.text == demo_number and w.y0 * scale > ring.bottom
               and w.x0 * scale < ring.right and w.x1 * scale > ring.left]
    assert beneath, f"no {demo_number} beneath the mark ({ring}; words {[w for w in words if w.text == demo_number]})"
    first = min(beneath, key=lambda w: w.y0)
    [first_row] = [w.y0 for w in words if w.text == "获证组织名称"]
    assert first.y0 < first_row and first.y0 * scale - ring.bottom < 20  # right beneath it, above the table
    assert abs((first.x0 + first.x1) / 2 * scale - (ring.left + ring.right) / 2) < 25  # centred under it


def test_r_mark_1_the_body_s_name_is_printed_beside_the_mark(client: TestClient, callers: Callers,
                                                             registry: Registry, demo_number: str,
                                                             tmp_path: Path) -> None:
    name = registry.get_certificate(demo_number).issuer["name"]
    pdf = fetch(client, callers, demo_number, tmp_path)
    ring = mark_ring(page_image(pdf))
    scale = 150 / 72
    # Beside: on the lines level with the mark (their middle within its height), to its right, beginning well before
    # the QR does.
    level = [w for w in words_of(pdf)
             if w.x0 * scale > ring.right and ring.top <= (w.y0 + w.y1) / 2 * scale <= ring.bottom]
    assert re.sub(r"\s+", "", name) in "".join(w.text for w in level), (name, level)
    first = next(w for w in level if w.text == name.split()[0])
    assert first.x0 * scale - ring.right < 30 / 25.4 * 150, (first, ring)


def test_r_mark_1_the_mark_is_scaled_proportionally_and_keeps_its_colours(client: TestClient, callers: Callers,
                                                                         demo_number: str, tmp_path: Path) -> None:
    # The drawing itself: a viewBox to scale from, never told to stretch, and the template sets only its width.
    [view_box] = [[float(v) for v in box.split()] for box in re.findall(r'viewBox="([^"]+)"', MARK_SVG)]
    assert 'preserveAspectRatio="none"' not in MARK_SVG
    css = (certificate_pdf.MARK.parent.parent / "templates" / "certificate.html").read_text(encoding="utf-8")
    [rule] = re.findall(r"\.mark img \{([^}]*)\}", css)
    assert "height: auto" in rule and not re.search(r"(?<![-\w])height:\s*\d", rule), rule

    image = page_image(fetch(client, callers, demo_number, tmp_path), dpi=300)
    ring = mark_ring(image)
    # The outer ring is 196 units across and 196 down (r 94 + half its 8-unit stroke, centred in the viewBox):
    # printed, its two scales are one, within a pixel's rounding at each edge.
    across, down = ring.right - ring.left + 1, ring.bottom - ring.top + 1
    assert abs(across / 196 - down / 196) <= 4 / 196, (across, down)
    assert view_box[2] / view_box[3] == 200 / 200  # the ring's square is the viewBox's: the ratio holds for both
    # Never recoloured: inside the ring the page shows the drawing's own colours, and almost nothing else (the rest
    # is the anti-aliased blend along edges).
    colours = {(int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)) for h in re.findall(r'="#([0-9a-f]{6})"', MARK_SVG,
                                                                                          flags=re.IGNORECASE)}
    assert colours == {RING, LEAF, (0xFF, 0xFF, 0xFF)}
    box = image.crop((ring.left, ring.top, ring.right + 1, ring.bottom + 1))
    counts = {colour: 0 for colour in colours}
    other = 0
    for n, pixel in box.getcolors(maxcolors=box.width * box.height) or []:
        match = [c for c in colours if _near(pixel, c)]
        if match:
            counts[match[0]] += n
        else:
            other += n
    total = box.width * box.height
    assert all(n > total * 0.03 for n in counts.values()), counts
    assert other < total * 0.12, (other, total, counts)


def pdf_objects(data: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    """Every object of the file by number: its dictionary (or value) and, for a stream, its data, inflated.

    Enough for WeasyPrint's files: objects in file order, direct stream lengths, Flate the only filter, the rest
    packed in object streams."""
    found: dict[int, tuple[bytes, bytes | None]] = {}
    head, tail = re.compile(rb"(\d+) 0 obj\b"), re.compile(rb"\bstream\r?\n|\bendobj\b")
    at = 0
    while (start := head.search(data, at)) and (end := tail.search(data, start.end())):
        body, stream, at = data[start.end():end.start()].strip(), None, end.end()
        if end.group().startswith(b"stream"):
            [length] = [int(n) for n in re.findall(rb"/Length (\d+)", body)]
            stream, at = data[at:at + length], at + length
            stream = zlib.decompress(stream) if b"/FlateDecode" in body else stream
        found[int(start.group(1))] = (body, stream)
    for body, stream in list(found.values()):
        if b"/Type /ObjStm" in body and stream is not None:
            [first] = [int(n) for n in re.findall(rb"/First (\d+)", body)]
            numbers = [int(n) for n in stream[:first].split()]
            offsets = [*numbers[1::2], len(stream) - first]
            for i, number in enumerate(numbers[::2]):
                found[number] = (stream[first + offsets[i]:first + offsets[i + 1]].strip(), None)
    return found


def _near(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(int(p) - c) < 8 for p, c in zip(pixel, colour, strict=True))


def test_r_cert_1_a_100_dpi_scan_of_the_page_decodes_to_the_certificate_s_verify_url_whose_token_holds(
        client: TestClient, callers: Callers, registry: Registry, demo_number: str, tmp_path: Path) -> None:
    # A 100 dpi scan, its optics blurring about a pixel (a plain 100 dpi raster still read the 28 mm QR of old,
    # which a blurred one did not).
    scan = page_image(fetch(client, callers, demo_number, tmp_path), dpi=100).filter(ImageFilter.GaussianBlur(0.8))
    [code] = zxingcpp.read_barcodes(scan)
    [key] = [k for k in client.get("/api/v1/public/keys").json()["keys"] if k["use"] == "qr"]

    assert code.text == client.get(f"/api/v1/public/certificates/{demo_number}").json()["verify_url"]
    payload = check_verify_url(code.text, {key["key_id"]: public_key_from_base64(key["public_key"])})
    view = registry.get_certificate(demo_number)
    assert (payload.number, payload.uscc, payload.issued_on, payload.valid_until) == (
        view.number, view.organization["uscc"], view.issued_on, view.valid_until)
    assert code.text.startswith("http://127.0.0.1:8000/verify/")


def test_section_13_the_pdf_is_pdf_a_with_every_font_embedded(client: TestClient, callers: Callers,
                                                              demo_number: str, tmp_path: Path) -> None:
    pdf = fetch(client, callers, demo_number, tmp_path)
    xmp = subprocess.run(["pdfinfo", "-meta", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"pdfaid:part(?:>|=\")3", xmp), xmp
    assert re.search(r"pdfaid:conformance(?:>|=\")B", xmp), xmp
    assert demo_number in xmp  # the title names the certificate
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    assert fonts, "no fonts"
    for line in fonts:
        assert re.search(r"\byes\s+(?:yes|no)\s+(?:yes|no)\s+\d+\s+\d+\s*$", line), f"not embedded: {line}"
    assert any("WenQuanYi" in line or "Noto" in line for line in fonts)  # the Chinese font travels with the file


def test_section_13_the_pdf_a_3b_file_has_its_identifier_output_intent_and_metadata_stream(
        client: TestClient, callers: Callers, demo_number: str, tmp_path: Path) -> None:
    """What veraPDF's PDF/A-3b profile checks first, without veraPDF (not available offline): ISO 19005-3 6.1.2
    header, 6.1.3 trailer, 6.2.3 output intent, 6.2.11.4 embedded fonts, 6.6.1 no JavaScript or launch actions,
    6.6.2.1 metadata stream. The XMP's identification and pdffonts' view are checked above."""
    data = fetch(client, callers, demo_number, tmp_path).read_bytes()
    objects = pdf_objects(data)

    header, comment = data.split(b"\n", 2)[:2]
    assert re.fullmatch(rb"%PDF-1\.[4-7]", header) and comment[:1] == b"%" and all(b > 127 for b in comment[1:5])
    assert data.rstrip(b"\r\n").endswith(b"%%EOF")  # nothing after the end-of-file marker
    [trailer] = [body for body, _ in objects.values() if b"/Type /XRef" in body] or [
        data[data.rindex(b"trailer"):]]
    assert re.search(rb"/ID \[\(" + re.escape(demo_number.encode()) + rb"\) \(", trailer), trailer  # names it
    assert not any(b"/Encrypt" in body for body, _ in objects.values())

    [catalog] = [body for body, _ in objects.values() if b"/Type /Catalog" in body]
    assert b"/S /GTS_PDFA1" in catalog, catalog
    [profile_ref] = re.findall(rb"/DestOutputProfile (\d+) 0 R", catalog)
    profile_body, profile = objects[int(profile_ref)]
    assert b"/N 3" in profile_body and profile is not None
    assert profile[36:40] == b"acsp" and profile[16:20] == b"RGB "  # an ICC profile of an RGB space (sRGB)
    [metadata_ref] = re.findall(rb"/Metadata (\d+) 0 R", catalog)
    metadata_body, xmp = objects[int(metadata_ref)]
    assert b"/Type /Metadata" in metadata_body and b"/Subtype /XML" in metadata_body and xmp is not None
    assert re.search(rb"pdfaid:part(?:>|=\")3", xmp) and re.search(rb"pdfaid:conformance(?:>|=\")B", xmp), xmp

    descriptors = [body for body, _ in objects.values() if b"/Type /FontDescriptor" in body]
    assert descriptors and all(re.search(rb"/FontFile[23]? \d+ 0 R", body) for body in descriptors), descriptors
    for body, _ in objects.values():
        assert not re.search(rb"/(?:JavaScript|JS|Launch)\b", body), body


def test_r_chg_1_a_changed_certificate_shows_the_new_name_and_its_version(
        client: TestClient, callers: Callers, registry: Registry, demo_number: str, tmp_path: Path) -> None:
    staff = enrol_staff(registry, date(2015, 1, 1))
    before = registry.get_certificate(demo_number)
    request = registry.request_change(demo_number, TODAY - timedelta(days=3), TODAY - timedelta(days=5),
                                      Changes(name="北京绿能新能源有限公司"), actor=staff.intake).ids["request"]
    registry.change_certificate(demo_number, request, TODAY - timedelta(days=2), actor=staff.admin)

    text = text_of(fetch(client, callers, demo_number, tmp_path))

    assert "北京绿能新能源有限公司" in text
    assert before.organization["name"] not in text
    assert f"第 {before.version + 1} 版" in text and f"Version {before.version + 1}" in text


def test_only_staff_and_regulators_get_the_pdf(client: TestClient, callers: Callers, demo_number: str) -> None:
    path = f"/api/v1/certificates/{demo_number}/certificate.pdf"
    assert client.get(path).status_code == 401
    assert client.get(path, headers=callers.intake.headers).status_code == 200
    unknown = client.get("/api/v1/certificates/CB-CEMS-1999-99999/certificate.pdf", headers=callers.admin.headers)
    assert unknown.status_code == 404


def test_r_cert_3_a_number_as_long_as_a_pattern_may_make_it_prints_whole_on_one_line(tmp_path: Path) -> None:
    # 100 characters, hyphens every ten, in the widest Latin letters: the old layout broke it at a hyphen.
    pattern = "{body_code}-CEMS-{year}-" + ("MMMMMMMMW-" * 9)[:81] + "-{seq:05d}"
    app = Registry(RegistryConfig(database_url="memory://", number_pattern=pattern), FixedClock(TODAY))
    load_demo(app)
    number = str(app.organization_by_uscc("91110000600037341L").certificates[0])
    assert len(number) == NUMBER.max_length
    qr_signer, _ = signers(tmp_path / "qr.key", tmp_path / "qr.key", "http://127.0.0.1:8000")
    pdf = tmp_path / "long.pdf"
    pdf.write_bytes(certificate_pdf.render(app.get_certificate(number), qr_signer))
    app.close()

    words = words_of(pdf)
    whole = [w for w in words if w.text == number]
    in_urls = [w for w in words if w.text.endswith(f"/verify/{number}")]
    # Every time the number is printed, pdftotext finds it as one word: on one line, never broken.
    assert len(whole) + len(in_urls) == re.sub(r"\s+", "", text_of(pdf)).count(number) >= 4
    left, right = 18 / 25.4 * 72, (210 - 18) / 25.4 * 72  # the page's side margins, in points
    assert all(left < w.x0 and w.x1 < right for w in whole + in_urls), whole + in_urls
    # Beneath the mark: the first of them, starting under it, above the table.
    ring = mark_ring(page_image(pdf))
    scale = 150 / 72
    first = min(whole, key=lambda w: w.y0)
    [first_row] = [w.y0 for w in words if w.text == "获证组织名称"]
    assert first.y0 * scale > ring.bottom and first.y0 < first_row, (first, ring)
    assert ring.left - 10 < first.x0 * scale < ring.right, (first, ring)


def test_without_a_chinese_font_the_answer_says_what_to_install(client: TestClient, callers: Callers,
                                                               demo_number: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(certificate_pdf, "CJK_FONTS", ("No Such Font CN",))
    certificate_pdf.cjk_font.cache_clear()
    try:
        response = client.get(f"/api/v1/certificates/{demo_number}/certificate.pdf",
                              headers=callers.regulator.headers)
    finally:
        monkeypatch.undo()
        certificate_pdf.cjk_font.cache_clear()
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "fonts-wqy-zenhei" in response.json()["detail"]


def test_the_command_line_writes_the_same_certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    app = Registry(RegistryConfig(database_url=url), FixedClock(TODAY))
    load_demo(app)
    number = str(app.organization_by_uscc("91110000600037341L").certificates[0])
    app.close()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    monkeypatch.setenv("REGISTRY_SIGNING_KEY", str(tmp_path / "signing.key"))
    out = tmp_path / "certificate.pdf"

    assert main(["certificate", "pdf", number, str(out)]) == 0

    assert out.read_bytes().startswith(b"%PDF-")
    assert number in text_of(out)
    assert "PDF/A" in capsys.readouterr().out
    assert main(["certificate", "pdf", "CB-CEMS-1999-99999", str(tmp_path / "none.pdf")]) == 2
    assert not (tmp_path / "none.pdf").exists()
