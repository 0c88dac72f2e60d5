"""QR images of verify URLs: rendered once per (certificate, token) and kept in a bounded LRU cache.

A verify URL is fixed while the certificate's signed fields and the key stay (the token is deterministic), so
its image is too: a status change never changes it, and a repeat request costs a dictionary lookup, no rendering.
Rendering uses a fixed error-correction level (M: 15 % of the symbol may be lost, enough for a printed page) and a
fixed mask pattern: letting ``qrcode`` try all eight masks takes about three quarters of the rendering time, and
every mask decodes; pattern 2 scored best on the penalty rules for our URLs. The data is encoded in byte mode,
so the symbol's version follows from the URL's length alone and is computed once per length.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import qrcode
import qrcode.image.pure
import qrcode.image.svg
from qrcode.constants import ERROR_CORRECT_M
from qrcode.util import MODE_8BIT_BYTE, QRData

MASK_PATTERN = 2
BORDER = 4  # the quiet zone of ISO/IEC 18004, in modules
SVG_BOX = 10  # qrcode's SVG unit: 10 = 1 mm per module
PNG_BOX = 5  # pixels per module
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@dataclass(frozen=True)
class QrImage:
    content: bytes
    media_type: str
    etag: str  # a strong ETag, quoted


@lru_cache(maxsize=256)
def _version(length: int) -> int:
    """The smallest version that holds ``length`` bytes at level M."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M)
    code.add_data(QRData(b"\0" * length, mode=MODE_8BIT_BYTE))
    return int(code.best_fit())


def render(text: str, fmt: str) -> bytes:
    """The QR code of ``text`` as an SVG document (``svg``) or a 1-bit greyscale PNG (``png``)."""
    if fmt not in MEDIA_TYPES:
        raise ValueError(f"QR images are {' or '.join(MEDIA_TYPES)}, not {fmt}")
    data = QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE)
    factory = qrcode.image.svg.SvgPathImage if fmt == "svg" else qrcode.image.pure.PyPNGImage
    code = qrcode.QRCode(version=_version(len(data)), error_correction=ERROR_CORRECT_M,
                         box_size=SVG_BOX if fmt == "svg" else PNG_BOX, border=BORDER, mask_pattern=MASK_PATTERN,
                         image_factory=factory)
    code.add_data(data)
    code.make(fit=False)
    out = io.BytesIO()
    code.make_image().save(out)
    return out.getvalue()


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
