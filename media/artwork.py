"""Check cover art against Apple's rules and convert what can be converted (Pillow).

Apple Podcasts: square, RGB without alpha, JPEG or PNG, 1400-3000 px. A compliant JPEG or PNG
is passed through byte for byte; anything else convertible is re-encoded deterministically
(same input, same Pillow -> same bytes): alpha flattened on white, CMYK/palette/greyscale to
RGB, other formats (WebP, GIF, TIFF, BMP...) to JPEG, more than 3000 px scaled down to 3000.
"""

from __future__ import annotations

import io
import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from media.errors import ArtworkInvalid

log = logging.getLogger(__name__)

MIN_SIZE_PX = 1400
MAX_SIZE_PX = 3000
JPEG_QUALITY = 90
# Pillow warns above ~89 Mpx and refuses above twice that; a cover never needs more than
# 3000x3000 = 9 Mpx, so refuse anything past this sooner, before decoding it.
MAX_PIXELS = 50_000_000


@dataclass(frozen=True, slots=True)
class Artwork:
    """Cover art ready to embed and publish; ``extension`` has no dot (``"jpg"``)."""

    data: bytes
    mime_type: str
    extension: str
    width: int
    height: int


def _open(src: Path) -> Image.Image:
    try:
        data = src.read_bytes()
    except FileNotFoundError:
        raise ArtworkInvalid(f"{src}: artwork unusable: no such file") from None
    except IsADirectoryError:
        raise ArtworkInvalid(f"{src}: artwork unusable: is a directory, not a file") from None
    except OSError as exc:
        raise ArtworkInvalid(f"{src}: artwork unusable: {exc.strerror or exc}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise ArtworkInvalid(
                    f"{src}: artwork unusable: {image.width}x{image.height} px is too many "
                    f"pixels (possible decompression bomb; limit {MAX_PIXELS // 1_000_000} Mpx)"
                )
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ArtworkInvalid(
            f"{src}: artwork unusable: too many pixels (possible decompression bomb)"
        ) from None
    except UnidentifiedImageError:
        raise ArtworkInvalid(f"{src}: artwork unusable: not an image Pillow can read") from None
    except (OSError, ValueError, SyntaxError) as exc:
        raise ArtworkInvalid(f"{src}: artwork unusable: corrupt image ({exc})") from None
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits before going to RGB.
        return image.point(lambda v: v / 256).convert("L").convert("RGB")
    return image.convert("RGB")


def prepare_artwork(src: Path) -> Artwork:
    """Check ``src`` against Apple's artwork rules and return bytes that meet them.

    Args:
        src: An image file. It is only read.

    Returns:
        JPEG or PNG bytes, square RGB, 1400-3000 px.

    Raises:
        ArtworkInvalid: not an image, corrupt, a decompression bomb, not square, or smaller
            than 1400 px.
    """
    src = Path(src)
    image = _open(src)
    source_format = image.format
    # EXIF orientation 2-8 means the pixels must be turned before anyone sees them.
    rotated = image.getexif().get(0x0112, 1) not in (0, 1)
    oriented = ImageOps.exif_transpose(image) if rotated else image
    width, height = oriented.size
    if width != height:
        raise ArtworkInvalid(
            f"{src}: artwork unusable: {width}x{height} px is not square (Apple requires square "
            f"{MIN_SIZE_PX}-{MAX_SIZE_PX} px)"
        )
    if width < MIN_SIZE_PX:
        raise ArtworkInvalid(
            f"{src}: artwork unusable: {width}x{height} px is smaller than Apple's minimum "
            f"{MIN_SIZE_PX}x{MIN_SIZE_PX}"
        )
    compliant = (
        source_format in ("JPEG", "PNG")
        and image.mode == "RGB"
        and width <= MAX_SIZE_PX
        and not rotated
        and not (source_format == "PNG" and "transparency" in image.info)
    )
    if compliant:
        data = src.read_bytes()
        fmt = source_format
    else:
        out = _to_rgb(oriented)
        if width > MAX_SIZE_PX:
            out = out.resize((MAX_SIZE_PX, MAX_SIZE_PX), Image.Resampling.LANCZOS)
        fmt = "PNG" if source_format == "PNG" else "JPEG"
        buffer = io.BytesIO()
        if fmt == "PNG":
            out.save(buffer, "PNG", optimize=False)
        else:
            out.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
        data = buffer.getvalue()
        log.info(
            "converted artwork %s (%s %s %dpx) to %s", src, source_format, image.mode, width, fmt
        )
        width = height = out.width
    if fmt == "PNG":
        return Artwork(data, "image/png", "png", width, height)
    return Artwork(data, "image/jpeg", "jpg", width, height)
