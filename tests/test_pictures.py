"""Lesson pictures: `hocvuso lessons render` (SVG → PNG with the vendored font) and the picture checks
of `hocvuso lessons check`."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path
from xml.etree import ElementTree

import cairocffi

from bot.lessons import load_catalog
from bot.lessons.pictures import MAX_BYTES, check_pictures, png_info, svg_files
from tests.conftest import REPO_LESSONS, TESTS

PICTURES = TESTS / "data" / "pictures"

VIETNAMESE = "Cài đặt · Đăng nhập · Dữ liệu di động"
SVG = """<svg xmlns="http://www.w3.org/2000/svg" width="400" height="150" viewBox="0 0 400 150">
  <rect width="400" height="150" fill="#ffffff"/>
  <text x="200" y="90" font-family="{family}" font-size="24" font-weight="bold"
        text-anchor="middle" fill="#1a1a1a">{text}</text>
</svg>
"""


def hocvuso(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "lessons", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


def pixels(png: Path) -> tuple[int, int, bytes]:
    surface = cairocffi.ImageSurface.create_from_png(str(png))
    return surface.get_width(), surface.get_height(), bytes(surface.get_data())


def test_render_draws_vietnamese_text_with_the_vendored_font_at_800_px(tmp_path: Path) -> None:
    # Three family names that a stock Debian would draw with three different fonts (DejaVu Sans,
    # DejaVu Serif, DejaVu Sans Mono): rendered with the vendored Noto Sans only, they are identical.
    for name, family in (("noto", "Noto Sans"), ("serif", "serif"), ("mono", "monospace")):
        (tmp_path / f"{name}.svg").write_text(SVG.format(family=family, text=VIETNAMESE), encoding="utf-8")
    proc = hocvuso("render", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("800×300 px") == 3
    assert "3 rendered, 0 up to date, 0 failed" in proc.stderr

    width, height, noto = pixels(tmp_path / "noto.png")
    assert (width, height) == (800, 300)  # a 400-wide drawing is scaled to 800, text and all
    assert pixels(tmp_path / "serif.png")[2] == noto
    assert pixels(tmp_path / "mono.png")[2] == noto
    dark = sum(1 for i in range(0, len(noto), 4) if noto[i] < 100)  # BGRA: blue channel
    assert dark > 2_000, "the text left no ink"

    # Diacritics are drawn: the same words without them give a different picture.
    (tmp_path / "plain.svg").write_text(
        SVG.format(family="Noto Sans", text="Cai dat · Dang nhap · Du lieu di dong"), encoding="utf-8"
    )
    again = hocvuso("render", str(tmp_path))
    assert "1 rendered, 3 up to date" in again.stderr  # only the new drawing
    assert pixels(tmp_path / "plain.png")[2] != noto


def test_render_reports_a_broken_svg_and_renders_the_others(tmp_path: Path) -> None:
    shutil.copy(PICTURES / "media" / "hong.svg", tmp_path / "hong.svg")
    shutil.copy(PICTURES / "media" / "tot.svg", tmp_path / "tot.svg")
    proc = hocvuso("render", str(tmp_path))
    assert proc.returncode == 1
    assert f"{tmp_path / 'hong.svg'}:1: the SVG cannot be read or drawn (mismatched tag" in proc.stdout
    assert (tmp_path / "tot.png").is_file() and not (tmp_path / "hong.png").exists()
    assert "Traceback" not in proc.stdout + proc.stderr


def test_check_flags_small_png_missing_alt_broken_svg_and_small_text() -> None:
    proc = hocvuso("check", str(PICTURES))
    assert proc.returncode == 1
    found = {line.split(":", 2)[0].rsplit("/", 1)[-1]: line for line in proc.stdout.splitlines()}
    assert found["nho.yaml"].endswith(":8: image 'media/nho.png' is 76 px wide (at least 800 px)")
    assert "needs 'alt'" in found["thieu-alt.yaml"]
    assert "hong.yaml:8: SVG 'media/hong.svg' cannot be read or drawn (mismatched tag" in found["hong.yaml"]
    assert "text «Chữ quá nhỏ» in SVG 'media/chu-nho.svg' is 20 px high" in found["chu-nho.yaml"]
    assert "tot.yaml" not in found  # the good picture passes
    assert len(proc.stdout.splitlines()) == 4


def test_check_flags_a_stale_render_and_an_oversized_png(tmp_path: Path) -> None:
    shutil.copytree(PICTURES, tmp_path / "l")
    root = tmp_path / "l"
    for name in ("nho", "thieu-alt", "hong", "chu-nho"):
        (root / f"{name}.yaml").unlink()
        for suffix in (".svg", ".png"):
            (root / "media" / f"{name}{suffix}").unlink(missing_ok=True)
    assert check_pictures(load_catalog(root)) == []
    # The drawing changes after its render: the PNG no longer shows it (the times do not matter).
    svg = root / "media" / "tot.svg"
    svg.write_text(svg.read_text(encoding="utf-8").replace("Cài đặt", "Cài đặt máy"), encoding="utf-8")
    messages = [p.message for p in check_pictures(load_catalog(root))]
    assert messages == [
        "image 'media/tot.png' was rendered from an older SVG 'media/tot.svg': run `hocvuso lessons render`"
    ]
    # A PNG of noise is far too heavy for a phone on a slow connection.
    svg.unlink()
    png = root / "media" / "tot.png"
    png.write_bytes(_noise_png(800, 400))
    assert png.stat().st_size > MAX_BYTES
    messages = [p.message for p in check_pictures(load_catalog(root))]
    assert messages == [f"image 'media/tot.png' is {png.stat().st_size // 1024} KB (at most 300 KB)"]


def _noise_png(width: int, height: int) -> bytes:
    import random
    import struct

    rng = random.Random(7)
    raw = b"".join(b"\0" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_check_flags_text_the_picture_font_cannot_draw(tmp_path: Path) -> None:
    """A minus sign (U+2212) has no glyph in Noto Sans and would print as a box; a decomposed «ế»
    (e + two combining marks) is drawn without shaping. Both are caught before a learner sees them."""
    from bot.lessons.pictures import render_svg

    (tmp_path / "tracks.yaml").write_text("tracks:\n  - {id: t, title: T, order: 1}\n", encoding="utf-8")
    (tmp_path / "x.yaml").write_text(
        "id: x\ntitle: X\ntrack: t\norder: 1\nsteps:\n  - id: s\n    say: x\n"
        "    image: media/x.png\n    alt: Hình nút âm lượng\n",
        encoding="utf-8",
    )
    media = tmp_path / "media"
    media.mkdir()
    decomposed = "Ti\u0065\u0302\u0301ng"  # «Tiếng», letter by letter
    svg = media / "x.svg"
    svg.write_text(
        SVG.replace("</svg>", f'<text x="20" y="140" font-size="16">{decomposed}</text></svg>').format(
            family="Noto Sans", text="Âm lượng + và \u2212"
        ),
        encoding="utf-8",
    )
    render_svg(svg)
    messages = {p.message for p in check_pictures(load_catalog(tmp_path))}
    assert messages == {
        "text «Âm lượng + và \u2212» in SVG 'media/x.svg' uses characters the picture font lacks: «\u2212» U+2212",
        f"text «{decomposed}» in SVG 'media/x.svg' is not in NFC: write precomposed Vietnamese letters",
    }


def test_shipped_pictures_are_rendered_fresh_legible_and_light() -> None:
    """Every SVG under lessons/media has its PNG, rendered from it as it is now, ≥ 800 px wide,
    ≤ 300 KB, text ≥ 28 px, every character in the vendored font."""
    assert check_pictures(load_catalog(REPO_LESSONS)) == []
    svgs = svg_files(REPO_LESSONS / "media")
    assert len(svgs) >= 40
    for svg in svgs:
        info = png_info(svg.with_suffix(".png"))
        assert info is not None and info.width >= 800 and info.svg_sha256 is not None, svg
        # The form of address is configurable («Cô», «Chú»…) and is replaced in texts, never in a
        # drawn picture: pictures do not address the learner (their `alt`, a text, may).
        drawn = " ".join(
            el.text or "" for el in ElementTree.parse(svg).iter("{http://www.w3.org/2000/svg}text")
        )
        assert not re.search(r"\bBác\b", drawn), svg


def test_most_lessons_show_a_picture_and_every_picture_is_used() -> None:
    """At least 80% of the lessons carry a picture on the step that names what to find, every
    shipped picture passes the checks, and no drawn picture is left unused."""
    result = load_catalog(REPO_LESSONS)
    assert result.problems == []
    assert check_pictures(result) == []
    pictured = [lesson for lesson in result.catalog.lessons if any(step.image for step in lesson.steps)]
    assert len(pictured) >= 0.8 * len(result.catalog)
    used = {step.image for lesson in result.catalog.lessons for step in lesson.steps if step.image}
    drawn = {str(p.relative_to(REPO_LESSONS)) for p in (REPO_LESSONS / "media").rglob("*.png")}
    assert drawn - used == set()
