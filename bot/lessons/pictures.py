"""Lesson pictures: SVG sources under `lessons/media/` rendered to PNG, and the checks on them.

Every picture is drawn for the project as an SVG (a schematic: a phone outline with the button
circled, a large icon with its Vietnamese label) and rendered with CairoSVG to a PNG beside it,
which is what the bot sends. Rendering uses only the vendored Noto Sans (bot.assets), so the
diacritics come out the same on every machine.

A rendered PNG carries the SHA-256 of the SVG it came from in a `tEXt` chunk: `lessons check` can
tell a stale render from the file contents alone (git does not keep modification times, so after a
clone every file has the time of the checkout). A PNG without that chunk falls back to comparing
modification times.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import time
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.assets import FONT_FAMILY
from bot.lessons.yamlfile import Problem, display

if TYPE_CHECKING:
    from bot.lessons.loader import LoadResult

RENDER_WIDTH = 800  # px: what every picture is rendered to
MIN_WIDTH = 800  # px: narrower pictures are blurred when a phone scales them up
MAX_BYTES = 300 * 1024  # a picture on a slow mobile connection
MIN_TEXT = 28  # px at 800 px width: what an older learner reads on a phone screen
HASH_KEY = b"hocvuso-svg-sha256"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RENDER_HINT = "run `hocvuso lessons render`"


@dataclass(frozen=True)
class PngInfo:
    width: int
    height: int
    svg_sha256: str | None  # the SVG this PNG was rendered from, if rendered by us


def _chunks(data: bytes) -> Iterator[tuple[bytes, bytes, int]]:
    """(type, body, offset) of each chunk of a PNG, after the signature."""
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        yield kind, data[offset + 8 : offset + 8 + length], offset
        offset += 12 + length


def png_info(path: Path) -> PngInfo | None:
    """Size and source hash of a PNG, from its first chunks only; None if it is not a PNG."""
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)  # IHDR and our tEXt come first, before the image data
    if not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    digest = None
    for kind, body, _ in _chunks(head):
        if kind == b"IDAT":
            break
        if kind == b"tEXt" and body.startswith(HASH_KEY + b"\0"):
            digest = body[len(HASH_KEY) + 1 :].decode("latin-1")
    return PngInfo(width, height, digest)


def svg_digest(svg: bytes) -> str:
    return hashlib.sha256(svg).hexdigest()


def _with_source_hash(png: bytes, digest: str) -> bytes:
    """The PNG with a tEXt chunk naming its SVG's hash, placed right after IHDR."""
    ihdr_end = len(PNG_SIGNATURE) + 8 + 13 + 4
    body = HASH_KEY + b"\0" + digest.encode("ascii")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    return png[:ihdr_end] + chunk + png[ihdr_end:]


class CairoMissing(RuntimeError):
    """CairoSVG cannot load the system's cairo library."""


def _cairosvg() -> Any:
    from bot.assets import use_vendored_fonts

    use_vendored_fonts()  # before CairoSVG draws its first letter in this process
    try:
        import cairosvg
    except OSError as exc:  # cairocffi could not open libcairo.so.2
        raise CairoMissing(
            f"CairoSVG needs the system's cairo library (Debian: apt-get install libcairo2): {exc}"
        ) from None
    return cairosvg


def render_svg(svg_path: Path, png_path: Path | None = None, width: int = RENDER_WIDTH) -> Path:
    """Render one SVG to a PNG `width` pixels wide (beside it by default); returns the PNG path.

    External files and entities are not loaded (`unsafe=False`): a picture is self-contained.
    """
    cairosvg = _cairosvg()
    svg = svg_path.read_bytes()
    png = cairosvg.svg2png(bytestring=svg, output_width=width, unsafe=False)
    target = png_path or svg_path.with_suffix(".png")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(_with_source_hash(png, svg_digest(svg)))
    tmp.replace(target)
    return target


@dataclass(frozen=True)
class Rendered:
    svg: Path
    png: Path
    width: int
    height: int
    size: int


def is_fresh(svg_path: Path, png_path: Path) -> bool:
    """The PNG exists and was rendered from the SVG as it is now."""
    if not png_path.is_file():
        return False
    info = png_info(png_path)
    if info is None:
        return False
    if info.svg_sha256 is not None:
        return info.svg_sha256 == svg_digest(svg_path.read_bytes())
    return png_path.stat().st_mtime >= svg_path.stat().st_mtime


def svg_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.svg") if p.is_file())


def render_folder(
    folder: Path, force: bool = False
) -> tuple[list[Rendered], list[Path], list[tuple[Path, str]]]:
    """Render every SVG under `folder` whose PNG is missing or stale (all with `force`).

    Returns (rendered, up to date, failures as (svg, reason)); one broken SVG stops no other.
    """
    rendered: list[Rendered] = []
    fresh: list[Path] = []
    failed: list[tuple[Path, str]] = []
    for svg in svg_files(folder):
        png = svg.with_suffix(".png")
        if not force and is_fresh(svg, png):
            fresh.append(svg)
            continue
        try:
            render_svg(svg, png)
        except Exception as exc:  # any parse or drawing error of one file: report it, go on
            failed.append((svg, _reason(exc)))
            continue
        info = png_info(png)
        assert info is not None
        rendered.append(Rendered(svg, png, info.width, info.height, png.stat().st_size))
    return rendered, fresh, failed


def _reason(exc: Exception, svg: str = "the SVG") -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{svg} cannot be read or drawn ({text[:160]})"


# --- checks ---------------------------------------------------------------------------------------

_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")


def _svg_problems(svg_path: Path, svg: str) -> list[str]:
    """Parse the SVG with CairoSVG's own parser (no drawing: fast) and check its text sizes."""
    cairosvg = _cairosvg()
    try:
        tree = cairosvg.parser.Tree(bytestring=svg_path.read_bytes(), unsafe=False)
    except Exception as exc:
        return [_reason(exc, svg)]
    try:
        width = float(_LENGTH.match(tree.get("width", "")).group(1))  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        box = (tree.get("viewBox") or "").replace(",", " ").split()
        width = float(box[2]) if len(box) == 4 else 0.0
    if width <= 0:
        return [f'{svg} needs a width (or viewBox) in pixels, e.g. width="800"']
    scale = RENDER_WIDTH / width
    problems: list[str] = []
    for node in _walk(tree):
        if node.tag not in ("text", "tspan") or not (node.text or "").strip():
            continue
        match = _LENGTH.match(node.get("font-size", "16"))
        if match is None:
            continue  # em, %…: not used in this project's pictures
        words = " ".join(node.text.split())[:40]
        size = float(match.group(1)) * scale
        if size < MIN_TEXT - 0.01:
            problems.append(
                f"text «{words}» in {svg} is {size:.0f} px high at {RENDER_WIDTH} px width "
                f"(at least {MIN_TEXT} px, for older eyes)"
            )
        if unicodedata.normalize("NFC", node.text) != node.text:
            # The picture font has the precomposed letters (ệ, ử…); a letter followed by combining
            # marks is drawn without shaping, the marks out of place.
            problems.append(f"text «{words}» in {svg} is not in NFC: write precomposed Vietnamese letters")
        missing = _missing_glyphs(node.text)
        if missing:
            shown = ", ".join(f"«{ch}» U+{ord(ch):04X}" for ch in missing)
            problems.append(f"text «{words}» in {svg} uses characters the picture font lacks: {shown}")
    return problems


_glyph_context: Any = None


def _missing_glyphs(text: str) -> list[str]:
    """Characters of `text` that the vendored font has no glyph for (they would print as boxes)."""
    global _glyph_context
    if _glyph_context is None:
        _cairosvg()  # the vendored fonts only
        import cairocffi

        _glyph_context = cairocffi.Context(cairocffi.ImageSurface(cairocffi.FORMAT_ARGB32, 1, 1))
        _glyph_context.select_font_face(FONT_FAMILY)
    chars = [ch for ch in dict.fromkeys(text) if not ch.isspace() and not unicodedata.combining(ch)]
    glyphs = _glyph_context.get_scaled_font().text_to_glyphs(0, 0, "".join(chars), False)
    return [ch for ch, glyph in zip(chars, glyphs, strict=False) if glyph[0] == 0]


def _walk(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from _walk(child)


def _png_problems(png_path: Path, media: str) -> list[str]:
    info = png_info(png_path)
    if info is None:
        return [f"image '{media}' is not a PNG file; draw it as SVG and {RENDER_HINT}"]
    problems = []
    if info.width < MIN_WIDTH:
        problems.append(f"image '{media}' is {info.width} px wide (at least {MIN_WIDTH} px)")
    size = png_path.stat().st_size
    if size > MAX_BYTES:
        problems.append(f"image '{media}' is {size // 1024} KB (at most {MAX_BYTES // 1024} KB)")
    return problems


def _source_problems(svg_path: Path, png_path: Path, media: str) -> list[str]:
    svg = f"SVG '{media.removesuffix('.png')}.svg'"
    problems = _svg_problems(svg_path, svg)
    broken = any("cannot be read" in p for p in problems)
    if not broken and png_path.is_file() and not is_fresh(svg_path, png_path):
        problems.append(f"image '{media}' was rendered from an older {svg}: {RENDER_HINT}")
    return problems


def check_pictures(result: LoadResult) -> list[Problem]:
    """Problems with the pictures of a loaded catalogue, each as `path:line: message`.

    A step's image: a PNG at least MIN_WIDTH wide and at most MAX_BYTES; where an SVG of the same
    name lies beside it, the SVG parses, its text is large enough and the PNG is rendered from it
    as it is now. Every other SVG under the folder gets the same source checks, reported on itself.
    """
    root = result.catalog.root
    try:
        _cairosvg()
    except CairoMissing as exc:
        return [Problem(display(root), 1, f"the pictures cannot be checked: {exc}")]
    problems: list[Problem] = []
    covered: set[Path] = set()
    for lesson in result.catalog.lessons:
        source = result.sources.get(lesson.id)
        if source is None:
            continue
        name, lines = source
        for index, step in enumerate(lesson.steps):
            if step.image is None:
                continue
            png = (root / step.image).resolve()
            line = lines.get(("steps", index, "image"), 1)
            if not png.is_file():
                continue  # the loader reports a missing file
            messages = _png_problems(png, step.image)
            svg = png.with_suffix(".svg")
            if svg.is_file() and svg not in covered:
                covered.add(svg)
                messages += _source_problems(svg, png, step.image)
            problems.extend(Problem(name, line, message) for message in messages)
    if root.is_dir():
        for svg in svg_files(root):
            svg = svg.resolve()
            if svg in covered:
                continue
            png = svg.with_suffix(".png")
            media = png.relative_to(root.resolve()).as_posix()
            messages = _source_problems(svg, png, media)
            if not png.is_file():
                messages.append(f"image '{media}' has not been rendered: {RENDER_HINT}")
            else:
                messages += _png_problems(png, media)
            problems.extend(Problem(display(svg), 1, message) for message in messages)
    return sorted(problems)


def timed_render(
    folder: Path, force: bool = False
) -> tuple[list[Rendered], list[Path], list[tuple[Path, str]], float]:
    start = time.perf_counter()
    rendered, fresh, failed = render_folder(folder, force)
    return rendered, fresh, failed, time.perf_counter() - start
