"""The certificate document (R-CERT-1, R-CERT-3, §13): rendered through the API and the command line, read back
with poppler (text, fonts, the page as an image) and zxing-cpp (the QR code)."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api import certificate_pdf
from api.cli import main
from api.signing import check_verify_url, public_key_from_base64
from demo.dataset import load_demo
from demo.scenario import DEMO_APPROVAL, enrol_staff
from registry.application import Registry, RegistryConfig
from registry.clock import FixedClock
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


def test_r_cert_3_the_number_is_printed_beneath_the_mark(client: TestClient, callers: Callers, demo_number: str,
                                                        tmp_path: Path) -> None:
    pdf = fetch(client, callers, demo_number, tmp_path)
    image = page_image(pdf)
    # The mark's leaf is drawn in #2e8b57; find the mark's extent on the page by that colour.
    leaf = [(x, y) for x in range(0, image.width // 2, 2) for y in range(0, image.height // 3, 2)
            if _near(image.getpixel((x, y)), (0x2E, 0x8B, 0x57))]
    assert leaf, "the mark is not on the page"
    left, right = min(x for x, _ in leaf), max(x for x, _ in leaf)
    bottom = max(y for _, y in leaf)
    # Words with their boxes (points), scaled to the image's pixels.
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    scale = 150 / 72
    boxes = [(float(x0) * scale, float(y0) * scale, float(x1) * scale)
             for x0, y0, x1, _, word in re.findall(
                 r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)
             if word == demo_number]
    beneath = [(x0, y0, x1) for x0, y0, x1 in boxes if y0 > bottom and x0 < right and x1 > left]
    assert beneath, f"no {demo_number} beneath the mark (mark x {left}–{right}, bottom {bottom}; words {boxes})"
    x0, y0, x1 = min(beneath, key=lambda b: b[1])
    [first_row] = [float(y) * scale for y in re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="[\d.]+">获证组织名称<',
                                                          html)]
    assert y0 < first_row and y0 - bottom < 150  # right beneath it (the leaf ends above the ring), above the table
    assert abs((x0 + x1) / 2 - (left + right) / 2) < 25  # centred under it


def _near(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(int(p) - c) < 8 for p, c in zip(pixel, colour, strict=True))


def test_r_cert_1_the_qr_on_the_page_decodes_to_a_verify_url_whose_token_holds(
        client: TestClient, callers: Callers, registry: Registry, demo_number: str, tmp_path: Path) -> None:
    image = page_image(fetch(client, callers, demo_number, tmp_path), dpi=200)
    [code] = zxingcpp.read_barcodes(image)
    [key] = [k for k in client.get("/api/v1/public/keys").json()["keys"] if k["use"] == "qr"]

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
