"""prepare_artwork: Apple's cover rules, conversions and refusals."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from media.artwork import prepare_artwork
from media.errors import ArtworkInvalid
from tests import mediagen


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_compliant_jpeg_passes_through_byte_for_byte(tmp_path: Path) -> None:
    src = mediagen.make_cover(tmp_path / "cover.jpg", 1400)
    art = prepare_artwork(src)
    assert art.data == src.read_bytes()
    assert (art.mime_type, art.extension, art.width, art.height) == (
        "image/jpeg",
        "jpg",
        1400,
        1400,
    )


@pytest.mark.parametrize(
    ("name", "size", "mode", "mime", "px"),
    [
        ("alpha.png", 1400, "RGBA", "image/png", 1400),
        ("cmyk.jpg", 1500, "CMYK", "image/jpeg", 1500),
        ("palette.gif", 1400, "P", "image/jpeg", 1400),
        ("grey.png", 1400, "L", "image/png", 1400),
        ("huge.webp", 3200, "RGB", "image/jpeg", 3000),
        ("scan.tiff", 1600, "RGB", "image/jpeg", 1600),
    ],
)
def test_convertible_images_come_out_rgb(
    tmp_path: Path,
    name: str,
    size: int,
    mode: str,
    mime: str,
    px: int,
    unchanged: Callable[[Path], Callable[[], None]],
) -> None:
    src = mediagen.make_cover(tmp_path / name, size, mode)
    check = unchanged(src)
    art = prepare_artwork(src)
    image = _image(art.data)
    assert image.mode == "RGB"
    assert image.size == (px, px) == (art.width, art.height)
    assert art.mime_type == mime
    assert Image.MIME[image.format] == mime
    assert prepare_artwork(src).data == art.data  # deterministic
    check()


def test_alpha_is_flattened_on_white(tmp_path: Path) -> None:
    img = Image.new("RGBA", (1400, 1400), (255, 0, 0, 0))  # fully transparent red
    img.save(tmp_path / "clear.png")
    art = prepare_artwork(tmp_path / "clear.png")
    assert _image(art.data).getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: mediagen.make_cover(d / "wide.jpg", (1600, 1400)), "not square"),
        (lambda d: mediagen.make_cover(d / "small.png", 1000), "smaller than"),
        (
            lambda d: (d / "notes.jpg").write_text("no image here") and d / "notes.jpg",
            "not an image",
        ),
        (lambda d: (d / "empty.png").write_bytes(b"") or d / "empty.png", "not an image"),
        (lambda d: d / "missing.jpg", "no such file"),
    ],
)
def test_unusable_artwork_names_file_and_reason(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    src = make(tmp_path)
    with pytest.raises(ArtworkInvalid) as caught:
        prepare_artwork(src)
    message = str(caught.value)
    assert message.startswith(f"{src}: artwork unusable: ") and reason in message
    assert "\n" not in message


def test_decompression_bomb_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    Image.new("1", (12000, 12000)).save(bomb)  # 144 Mpx, a few kB on disk
    assert bomb.stat().st_size < 100_000
    with pytest.raises(ArtworkInvalid, match="decompression bomb"):
        prepare_artwork(bomb)


def test_truncated_image_is_refused(tmp_path: Path) -> None:
    src = mediagen.make_cover(tmp_path / "full.png", 1400)
    cut = mediagen.truncate_file(src, tmp_path / "cut.png", 0.3)
    with pytest.raises(ArtworkInvalid, match=r"cut\.png: artwork unusable"):
        prepare_artwork(cut)
