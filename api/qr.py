"""QR images of verify URLs: rendered once per (certificate, token) and kept in a bounded LRU cache.

A verify URL is fixed while the certificate's signed fields and the key stay (the token is deterministic), so
its image is too: a status change never changes it, and a repeat request costs a dictionary lookup, no rendering.
Images are made by zxing-cpp's writer (C++; the same library reads them back): about 1 ms for a ~260-character
URL, where the pure-Python ``qrcode`` package took about 9 ms even with a fixed mask and version. Error
correction is level M (15 % of the symbol may be lost, enough for a printed page), with the standard quiet zone.
PNGs are 8-bit greyscale, written with zlib.
"""

from __future__ import annotations

import hashlib
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import zxingcpp

SVG_SCALE = 4  # user units per module
PNG_SCALE = 5  # pixels per module
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class QrImage:
    content: bytes
    media_type: str
    etag: str  # a strong ETag, quoted


def _png(image: zxingcpp.Image) -> bytes:
    pixels = memoryview(image)  # type: ignore[arg-type]  # zxing-cpp's Image is a buffer; its stubs do not say so
    height, width = pixels.shape  # type: ignore[misc]
    raw = pixels.tobytes()
    rows = b"".join(b"\x00" + raw[y * width:(y + 1) * width] for y in range(height))  # filter type 0 per row

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b"")


def render(text: str, fmt: str) -> bytes:
    """The QR code of ``text`` as an SVG document (``svg``) or a greyscale PNG (``png``)."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"QR images are {' or '.join(MEDIA_TYPES)}, not {fmt}")
    code = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    if fmt == "svg":
        return code.to_svg(scale=SVG_SCALE).encode("utf-8")
    return _png(code.to_image(scale=PNG_SCALE))


class QrCache:
    """A bounded LRU of rendered images, keyed by format and verify URL (which holds the number and the token)."""

    def __init__(self, max_entries: int = 1024) -> None:
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._images: OrderedDict[tuple[str, str], QrImage] = OrderedDict()
        self._lock = threading.Lock()

    def image(self, url: str, fmt: str) -> QrImage:
        key = (fmt, url)
        with self._lock:
            found = self._images.get(key)
            if found is not None:
                self._images.move_to_end(key)
                self.hits += 1
                return found
            self.misses += 1
        # Rendered outside the lock: two first requests for one URL may both render, to the same bytes.
        content = render(url, fmt)
        made = QrImage(content, MEDIA_TYPES[fmt], f'"{hashlib.sha256(content).hexdigest()[:32]}"')
        with self._lock:
            self._images[key] = made
            self._images.move_to_end(key)
            while len(self._images) > self.max_entries:
                self._images.popitem(last=False)
        return made

    def __len__(self) -> int:
        return len(self._images)

    def clear(self) -> None:
        with self._lock:
            self._images.clear()
            self.hits = self.misses = 0


# One per process: an entry is keyed by its whole URL, so apps with other base URLs or keys never share one.
images = QrCache()


def read_image(path: str) -> list[str]:
    """The texts of the QR codes found in a PNG or JPEG image (a photo or a scan will do), best first.

    Raises ``OSError`` (or ``ValueError``) when the file cannot be read as an image.
    """
    # Imported here: only the command line reads images, the server never does.
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as opened:
            picture = opened.convert("L")
    except UnidentifiedImageError:
        raise ValueError(f"{path} is not an image that can be read (PNG or JPEG)") from None
    qr_codes = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [found.text for found in zxingcpp.read_barcodes(picture, formats=qr_codes)]
