"""Just enough image knowledge to accept real photos and reject junk like Telegram does."""

from __future__ import annotations

import mimetypes
import struct
import zlib
from dataclasses import dataclass

__all__ = ["ImageInfo", "guess_extension", "sniff_image", "tiny_png"]


@dataclass(frozen=True)
class ImageInfo:
    """Format and pixel size of an image."""

    extension: str
    mime_type: str
    width: int
    height: int


def tiny_png(width: int = 1, height: int = 1) -> bytes:
    """A valid, minimal grey PNG: the default photo a simulated user sends."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def sniff_image(data: bytes) -> ImageInfo | None:
    """Recognise PNG, JPEG, GIF and WebP headers; ``None`` if the bytes are not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return ImageInfo(".png", "image/png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return ImageInfo(".gif", "image/gif", width, height)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ImageInfo(".webp", "image/webp", 512, 512)
    if data.startswith(b"\xff\xd8"):
        return _sniff_jpeg(data)
    return None


def _sniff_jpeg(data: bytes) -> ImageInfo | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return ImageInfo(".jpg", "image/jpeg", width, height)
        i += 2 + length
    return None


def guess_extension(file_name: str | None, mime_type: str | None) -> str:
    """File extension for a stored document's download path."""
    if file_name and "." in file_name:
        return "." + file_name.rsplit(".", 1)[1][:10]
    if mime_type:
        return mimetypes.guess_extension(mime_type) or ""
    return ""
