"""The certificate as a PNG picture, drawn with Pillow and the vendored Noto Sans (every Vietnamese
letter with its diacritics, on any machine). Flat colours and a small palette keep the file well
under 300 KB while the text stays crisp on a phone and printable on A5."""

from __future__ import annotations

import functools
import io
import unicodedata
from dataclasses import dataclass
from datetime import date

from PIL import Image, ImageDraw, ImageFont

from bot.assets import FONT_BOLD, FONT_REGULAR

SIZE = (1400, 990)  # landscape, the proportions of A4/A5 paper
PAPER = (255, 253, 245)
GREEN = (31, 111, 67)
GOLD = (201, 162, 39)
RED = (179, 38, 30)
INK = (27, 27, 27)
GREY = (100, 100, 100)
TEXT_WIDTH = 1120  # the widest a line may be; longer names and titles are drawn smaller


@dataclass(frozen=True)
class CertificateText:
    campaign: str
    name: str
    track: str
    unit: str | None
    day: date
    code: str  # shown as XXXXX-XXXXX


@functools.lru_cache(maxsize=32)
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_BOLD if bold else FONT_REGULAR), size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, bold: bool, size: int, width: int = TEXT_WIDTH
) -> ImageFont.FreeTypeFont:
    """The largest font up to `size` in which `text` fits `width` pixels."""
    while size > 18 and draw.textlength(text, font=_font(bold, size)) > width:
        size -= 2
    return _font(bold, size)


def _centered(
    draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.FreeTypeFont, fill: tuple
) -> None:
    draw.text((SIZE[0] // 2, y), text, font=font, fill=fill, anchor="mm")


def display_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}" if len(code) == 10 else code


def render(text: CertificateText) -> bytes:
    image = Image.new("RGB", SIZE, PAPER)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    draw.rectangle((28, 28, width - 29, height - 29), outline=GREEN, width=14)
    draw.rectangle((54, 54, width - 55, height - 55), outline=GOLD, width=3)

    def nfc(value: str) -> str:
        return unicodedata.normalize("NFC", value)

    _centered(draw, 130, nfc(text.campaign).upper(), _fit(draw, nfc(text.campaign).upper(), False, 34), GREEN)
    _centered(draw, 225, "GIẤY CHỨNG NHẬN", _font(True, 84), RED)
    _centered(draw, 330, "Chứng nhận", _font(False, 38), INK)
    name = nfc(text.name)
    _centered(draw, 425, name, _fit(draw, name, True, 76), INK)
    _centered(draw, 525, "đã học xong tất cả các bài của chủ đề", _font(False, 38), INK)
    track = f"«{nfc(text.track)}»"
    _centered(draw, 610, track, _fit(draw, track, True, 54), GREEN)
    if text.unit:
        unit = f"Đơn vị: {nfc(text.unit)}"
        _centered(draw, 705, unit, _fit(draw, unit, False, 34), INK)
    day = f"Ngày {text.day.day:02d} tháng {text.day.month:02d} năm {text.day.year}"
    draw.text((120, 850), day, font=_font(False, 32), fill=INK, anchor="lm")
    draw.text(
        (width - 120, 835),
        f"Mã xác minh: {display_code(text.code)}",
        font=_font(True, 32),
        fill=INK,
        anchor="rm",
    )
    draw.text(
        (width - 120, 880),
        "Dùng mã này để kiểm tra giấy chứng nhận",
        font=_font(False, 24),
        fill=GREY,
        anchor="rm",
    )
    buffer = io.BytesIO()
    image.quantize(colors=48, method=Image.Quantize.MEDIANCUT).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()
