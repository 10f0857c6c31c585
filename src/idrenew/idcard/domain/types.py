"""What reading one side of an ID card answers: the contract between the OCR pipeline
(``idcard/domain/pipeline.py``) and the Django side (services, API, back office).

Field keys, front (人像面): ``name`` 姓名, ``sex`` 性别 (男/女), ``ethnicity`` 民族 (e.g. 汉),
``birth_date`` 出生 (YYYY-MM-DD), ``address`` 住址 (lines joined, no spaces),
``id_number`` 公民身份号码 (18 characters, X upper case).
Back (国徽面): ``issuer`` 签发机关, ``valid_from`` (YYYY.MM.DD), ``valid_to`` (YYYY.MM.DD or
长期).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Side = Literal["front", "back"]

FRONT_FIELDS = ("name", "sex", "ethnicity", "birth_date", "address", "id_number")
BACK_FIELDS = ("issuer", "valid_from", "valid_to")

# Warning codes of the image checks, with the message that tells the customer what to do.
WARNING_MESSAGES = {
    "IDCARD_EDGE_CUT": "身份证边缘不完整，请将证件四角完整拍入画面",
    "IDCARD_BLURRED": "照片模糊，请保持手机稳定、对焦清晰后重拍",
    "IDCARD_GLARE": "证件反光，请避开灯光直射、调整角度后重拍",
    "IDCARD_TOO_DARK": "照片太暗，请在光线充足的地方重拍",
    "IDCARD_TOO_SMALL": "证件在画面中太小，请靠近一些，让证件占满取景框",
    "IDCARD_PHOTOCOPY": "疑似复印件，请拍摄身份证原件",
    "IDCARD_SCREEN": "疑似翻拍屏幕，请直接拍摄身份证原件",
    "IDCARD_WRONG_SIDE": "上传的证件面不正确，请按提示上传身份证人像面或国徽面",
    "IDCARD_NOT_A_CARD": "未识别到身份证，请上传本人居民身份证照片",
    "IDCARD_MULTIPLE_CARDS": "画面中有多张证件，请每次只拍一张",
    "IDCARD_FIELDS_UNREADABLE": "部分信息无法识别，请重拍清晰完整的照片",
    "IDCARD_LOW_CONFIDENCE": "部分信息识别置信度较低，请核对识别结果",
    # For the reviewer (not a retake): the address's province → prefecture → county start
    # breaks off, as when a highlight washes out characters that then read cleanly.
    "IDCARD_ADDRESS_CHAIN_BROKEN": "住址中的省、市、县（区）识别不完整，请对照证件核对并补全住址",
}

# Order in which warnings are reported (the most important, the one to fix first, first).
WARNING_ORDER = (
    "IDCARD_NOT_A_CARD",
    "IDCARD_MULTIPLE_CARDS",
    "IDCARD_WRONG_SIDE",
    "IDCARD_EDGE_CUT",
    "IDCARD_TOO_SMALL",
    "IDCARD_TOO_DARK",
    "IDCARD_GLARE",
    "IDCARD_BLURRED",
    "IDCARD_SCREEN",
    "IDCARD_PHOTOCOPY",
    "IDCARD_FIELDS_UNREADABLE",
    "IDCARD_ADDRESS_CHAIN_BROKEN",
    "IDCARD_LOW_CONFIDENCE",
)

# Default policy: these warnings (and a refused file) make the customer retake the photo;
# the others (low confidence, a broken address chain) go to the reviewer. The one default:
# the Django setting ``IDRENEW_IDCARD_BLOCKING_WARNINGS`` starts from it and may override it.
DEFAULT_BLOCKING = frozenset(
    {
        "IDCARD_EDGE_CUT",
        "IDCARD_BLURRED",
        "IDCARD_GLARE",
        "IDCARD_TOO_DARK",
        "IDCARD_TOO_SMALL",
        "IDCARD_PHOTOCOPY",
        "IDCARD_SCREEN",
        "IDCARD_WRONG_SIDE",
        "IDCARD_NOT_A_CARD",
        "IDCARD_MULTIPLE_CARDS",
        "IDCARD_FIELDS_UNREADABLE",
        "IMAGE_TOO_LARGE",
        "IMAGE_TYPE_UNSUPPORTED",
        "IMAGE_UNDECODABLE",
        "IMAGE_TOO_MANY_PIXELS",
    }
)


@dataclass(frozen=True)
class ImageLimits:
    """What an uploaded card photo may be. The defaults are the one place these numbers live;
    the Django settings ``IDRENEW_IDCARD_MAX_BYTES`` / ``IDRENEW_IDCARD_MAX_PIXELS`` start
    from them and the services pass the result to ``decode``."""

    max_bytes: int = 10 * 1024 * 1024
    max_pixels: int = 40_000_000  # a 40 MP phone photo is the largest a customer should send
    formats: frozenset[str] = frozenset({"JPEG", "PNG"})  # as FILE_ERRORS tells the customer


DEFAULT_IMAGE_LIMITS = ImageLimits()


def is_blocking(warnings: Iterable[str], policy: Collection[str] = DEFAULT_BLOCKING) -> bool:
    return any(code in policy for code in warnings)


def ordered_warnings(codes: list[str]) -> list[str]:
    """Deduplicated, most important first."""
    rank = {code: k for k, code in enumerate(WARNING_ORDER)}
    return sorted(dict.fromkeys(codes), key=lambda c: rank.get(c, len(rank)))


# Refusals of the file itself (before any image analysis).
FILE_ERRORS = {
    "IMAGE_TOO_LARGE": "图片太大（不超过10MB），请重新拍摄或压缩后上传",
    "IMAGE_TYPE_UNSUPPORTED": "仅支持 JPG、PNG 格式的图片，请重新拍照上传",
    "IMAGE_UNDECODABLE": "图片已损坏或不完整，请重新拍照上传",
    "IMAGE_TOO_MANY_PIXELS": "图片尺寸过大，请重新拍照上传",
}


class ImageRefused(Exception):
    """The file is refused before analysis (size, type, corrupt, decompression bomb)."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass
class SideReading:
    side: Side  # the side the pipeline found (may differ from the one asked for)
    fields: dict[str, str]  # keys above; a field that could not be read is absent
    confidence: dict[str, float]  # per field, 0–1
    warnings: list[str]  # codes from WARNING_MESSAGES, most important first
    portrait_jpeg: bytes | None = field(default=None, repr=False)  # front only
    card_jpeg: bytes | None = field(default=None, repr=False)  # the rectified card
    lines: list[tuple[str, float]] = field(default_factory=list)  # raw OCR lines, for review
    timings: dict[str, float] = field(default_factory=dict, repr=False)  # seconds per stage
    # Fields the division-name snap changed (``divisions``), with the value as OCR read it.
    as_read: dict[str, str] = field(default_factory=dict)


def card_date(value: object) -> date | None:
    """A date as the card prints it (2026.11.21), as forms send it (ISO) or a ``date``;
    None for 长期, empty or unreadable values."""
    if isinstance(value, date):
        return value
    if not value or value == "长期":
        return None
    try:
        return date.fromisoformat(str(value).replace(".", "-"))
    except ValueError:
        return None
