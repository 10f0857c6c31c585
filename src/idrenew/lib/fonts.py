"""The CJK font, from the PyPI package ``noto-cjk-sans-otc`` (Noto Sans CJK, OFL-1.1).

The package ships one OpenType collection. **Collection index 2 is Simplified Chinese**
(Noto Sans CJK SC); index 0 is Japanese and draws visibly different glyphs for characters
such as 骨 直 (wrong for Chinese text). Nothing is downloaded at run time: the font is a
dependency of the project.
"""

from __future__ import annotations

import functools
from pathlib import Path

from PIL import ImageFont

SC_INDEX = 2  # Noto Sans CJK SC inside NotoSansCJK-Regular.ttc


class FontMissing(RuntimeError):
    """The CJK font package is not installed."""


@functools.cache
def cjk_font_path() -> Path:
    """The path of the installed Noto Sans CJK collection (.ttc)."""
    try:
        import noto_cjk_sans_otc  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - depends on the environment
        raise FontMissing(
            "the CJK font package is missing: pip install noto-cjk-sans-otc "
            "(a dependency of idrenew; nothing is downloaded at run time)"
        ) from None
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    if not path.is_file():  # pragma: no cover
        raise FontMissing(f"noto-cjk-sans-otc is installed but {path} is missing")
    return path


@functools.lru_cache(maxsize=64)
def cjk_font(size: int, index: int = SC_INDEX) -> ImageFont.FreeTypeFont:
    """Noto Sans CJK at ``size`` px; Simplified Chinese (index 2) unless told otherwise."""
    return ImageFont.truetype(str(cjk_font_path()), size, index=index)
