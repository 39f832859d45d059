"""Font discovery for burned-in text: pick an installed font that covers a script.

Noto (fonts-noto-core, fonts-noto-cjk) is preferred, DejaVu next; when neither is installed, Pillow's
bundled scalable default keeps Latin readable, so text never renders as boxes or crashes a render.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont, features

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".local/share/fonts")

# Script name -> candidate font files (first found wins), bold first because captions are bold.
_SCRIPT_FONTS: dict[str, tuple[str, ...]] = {
    "latin": ("NotoSans-Bold.ttf", "NotoSans-Regular.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans.ttf",
              "LiberationSans-Bold.ttf"),
    "arabic": ("NotoSansArabic-Bold.ttf", "NotoNaskhArabic-Bold.ttf", "NotoSansArabic-Regular.ttf",
               "DejaVuSans-Bold.ttf"),
    "hebrew": ("NotoSansHebrew-Bold.ttf", "NotoSansHebrew-Regular.ttf", "DejaVuSans-Bold.ttf"),
    "devanagari": ("NotoSansDevanagari-Bold.ttf", "NotoSansDevanagari-Regular.ttf"),
    "bengali": ("NotoSansBengali-Bold.ttf", "NotoSansBengali-Regular.ttf"),
    "tamil": ("NotoSansTamil-Bold.ttf", "NotoSansTamil-Regular.ttf"),
    "telugu": ("NotoSansTelugu-Bold.ttf", "NotoSansTelugu-Regular.ttf"),
    "gujarati": ("NotoSansGujarati-Bold.ttf", "NotoSansGujarati-Regular.ttf"),
    "gurmukhi": ("NotoSansGurmukhi-Bold.ttf", "NotoSansGurmukhi-Regular.ttf"),
    "kannada": ("NotoSansKannada-Bold.ttf", "NotoSansKannada-Regular.ttf"),
    "malayalam": ("NotoSansMalayalam-Bold.ttf", "NotoSansMalayalam-Regular.ttf"),
    "thai": ("NotoSansThai-Bold.ttf", "NotoSansThai-Regular.ttf", "NotoLoopedThai-Bold.ttf"),
    "georgian": ("NotoSansGeorgian-Bold.ttf", "NotoSansGeorgian-Regular.ttf", "DejaVuSans-Bold.ttf"),
    "armenian": ("NotoSansArmenian-Bold.ttf", "NotoSansArmenian-Regular.ttf", "DejaVuSans-Bold.ttf"),
    "ethiopic": ("NotoSansEthiopic-Bold.ttf", "NotoSansEthiopic-Regular.ttf"),
    "sinhala": ("NotoSansSinhala-Bold.ttf", "NotoSansSinhala-Regular.ttf"),
    "khmer": ("NotoSansKhmer-Bold.ttf", "NotoSansKhmer-Regular.ttf"),
    "cjk": ("NotoSansCJK-Bold.ttc", "NotoSansCJK-Regular.ttc", "NotoSansCJKsc-Bold.otf", "NotoSansSC-Bold.otf",
            "wqy-microhei.ttc", "DroidSansFallbackFull.ttf"),
}
# Face index inside the Noto CJK collection: JP, KR, SC, TC, HK.
_CJK_INDEX = {"japanese": 0, "korean": 1, "chinese": 2}

RTL_SCRIPTS = frozenset({"arabic", "hebrew"})


@lru_cache(maxsize=1)
def _font_files() -> dict[str, Path]:
    """Every font file under the font folders, by file name (first found wins)."""
    found: dict[str, Path] = {}
    for root in FONT_DIRS:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in {".ttf", ".otf", ".ttc"}:
                found.setdefault(path.name, path)
    return found


def _char_script(ch: str) -> str | None:
    """The script family of one character, or None for characters every font has (digits, spaces)."""
    code = ord(ch)
    if code < 0x250 or 0x370 <= code < 0x530 or 0x1E00 <= code < 0x2000:
        return "latin" if ch.isalpha() else None  # Latin, Greek and Cyrillic share Noto Sans
    if 0x590 <= code < 0x600 or 0xFB1D <= code < 0xFB50:
        return "hebrew"
    if 0x600 <= code < 0x800 or 0xFB50 <= code < 0xFE00 or 0xFE70 <= code < 0xFF00:
        return "arabic"
    ranges = (
        (0x900, 0x980, "devanagari"), (0x980, 0xA00, "bengali"), (0xA00, 0xA80, "gurmukhi"),
        (0xA80, 0xB00, "gujarati"), (0xB80, 0xC00, "tamil"), (0xC00, 0xC80, "telugu"),
        (0xC80, 0xD00, "kannada"), (0xD00, 0xD80, "malayalam"), (0xD80, 0xE00, "sinhala"),
        (0xE00, 0xE80, "thai"), (0x10A0, 0x1100, "georgian"), (0x1200, 0x13A0, "ethiopic"),
        (0x1780, 0x1800, "khmer"), (0x530, 0x590, "armenian"),
    )
    for low, high, name in ranges:
        if low <= code < high:
            return name
    if 0x1100 <= code < 0x1200 or 0x2E80 <= code < 0xA000 or 0xAC00 <= code < 0xD7B0 or 0xF900 <= code < 0xFB00 \
            or 0xFF00 <= code < 0xFFF0 or 0x20000 <= code < 0x30000:
        return "cjk"
    return None


def dominant_script(text: str) -> str:
    """The script most letters of `text` belong to ("latin" when there are none)."""
    counts: dict[str, int] = {}
    for ch in text:
        script = _char_script(ch)
        if script:
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=lambda k: counts[k]) if counts else "latin"


def _cjk_flavour(text: str) -> str:
    """Japanese when kana appear, Korean for Hangul, else Chinese (picks the right glyph variants)."""
    for ch in text:
        name = unicodedata.name(ch, "")
        if "HIRAGANA" in name or "KATAKANA" in name:
            return "japanese"
        if "HANGUL" in name:
            return "korean"
    return "chinese"


def is_rtl(text: str) -> bool:
    """True when the text is mostly written right to left (Arabic, Hebrew)."""
    return dominant_script(text) in RTL_SCRIPTS


def has_complex_layout() -> bool:
    """True when Pillow can shape text with libraqm (Arabic joining, Indic conjuncts)."""
    try:
        return bool(features.check("raqm"))
    except (ValueError, OSError):  # a broken optional feature must never stop a render
        return False


@lru_cache(maxsize=64)
def _load(script: str, size: int, flavour: str) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    files = _font_files()
    layout = ImageFont.Layout.RAQM if has_complex_layout() else ImageFont.Layout.BASIC
    for name in _SCRIPT_FONTS.get(script, ()) + _SCRIPT_FONTS["latin"]:
        path = files.get(name)
        if path is None:
            continue
        index = _CJK_INDEX.get(flavour, 2) if path.suffix.lower() == ".ttc" and script == "cjk" else 0
        try:
            return ImageFont.truetype(str(path), size=size, index=index, layout_engine=layout)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def font_for_text(text: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """A bold font of `size` px that covers the dominant script of `text`, never raising."""
    script = dominant_script(text)
    flavour = _cjk_flavour(text) if script == "cjk" else ""
    return _load(script, int(size), flavour)


def ui_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The Latin UI font (titles, labels) at `size` px."""
    return _load("latin", int(size), "")
