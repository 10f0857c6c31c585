"""What the face engine answers. The Django side stores these; the engine computes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from idrenew.face.domain.schedule import Window

ACTIONS = ("blink", "open_mouth", "turn_left", "turn_right", "nod")
# nod stays out of the default set until a real clip shows it working (no shared clip has one).
DEFAULT_ACTIONS = ("blink", "open_mouth", "turn_left", "turn_right")

PROMPTS = {
    "blink": "请眨眨眼",
    "open_mouth": "请张张嘴",
    "turn_left": "请向左转头",
    "turn_right": "请向右转头",
    "nod": "请点点头",
}

# Refusal codes of the analysis, with the message that tells the customer what to do.
FAILURE_MESSAGES = {
    "FACE_NOT_FOUND": "未检测到人脸，请正对手机，让面部完整出现在取景框内",
    "FACE_MULTIPLE": "画面中出现多张人脸，请确保只有您本人在镜头前",
    "FACE_TOO_SMALL": "人脸离镜头太远，请靠近一些，让面部充满取景框",
    "FACE_TOO_DARK": "光线太暗，请到光线充足的地方重试",
    "FACE_BLURRED": "画面模糊，请保持手机稳定、擦拭镜头后重试",
    "ACTION_MISSING": "未检测到要求的动作，请按提示放慢动作、幅度稍大一些",
    "ACTION_ORDER": "动作顺序不正确，请按屏幕提示的顺序依次完成",
    "ACTION_OUT_OF_WINDOW": "动作与提示时间不符，请在提示出现后再完成对应动作，请重新认证",
    "ACTION_UNREQUESTED": "检测到未要求的动作，请只在提示出现时完成对应动作，请重新认证",
    "IDENTITY_SWITCH": "检测过程中人员发生变化，请由本人完成全部动作",
    "CLIP_TOO_SHORT": "录制时间太短，请完成全部动作后再结束",
    "CLIP_TOO_LONG": "录制时间过长，请重新开始并按提示完成动作",
    "CLIP_UNDECODABLE": "视频无法识别，请重试；如多次失败请更换浏览器或前往营业部办理",
    "FACE_MISMATCH": "人脸比对未通过，请由账户本人重新认证",
}


class FaceError(Exception):
    """An image or clip the engine refuses, with one of the codes above."""

    def __init__(self, code: str, detail: str = "") -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}" if detail else code)


@dataclass(frozen=True)
class ActionResult:
    action: str
    passed: bool
    frames: tuple[int, int] | None  # first and last frame of the detected action
    at: float | None = None  # seconds from the clip's start at which the action started


@dataclass
class LivenessReport:
    passed: bool
    actions: list[ActionResult]
    failures: list[str]  # codes from FAILURE_MESSAGES, most important first
    best_frame: int | None  # index of the frontal, sharp, eyes-open frame
    best_frame_jpeg: bytes | None = field(repr=False, default=None)
    best_frame_embedding: npt.NDArray[np.float32] | None = field(repr=False, default=None)
    frame_count: int = 0
    fps: float = 0.0
    face_ratio: float = 0.0  # share of frames with exactly one face
    # Turns and mouth openings outside their prompt window, or never asked for (timed
    # challenges only): what made ACTION_OUT_OF_WINDOW / ACTION_UNREQUESTED.
    stray: list[ActionResult] = field(default_factory=list)
    # Up to ~5 frames spread over the clip (RGB, face box) for passive anti-spoofing.
    spoof_frames: list[npt.NDArray[np.uint8]] = field(repr=False, default_factory=list)


class FaceEngine(Protocol):
    """The local engine and any vendor's: load models once, then answer many calls."""

    threshold: float

    def analyze_clip(
        self, path: str, actions: list[str], *, windows: list[Window] | None = None
    ) -> LivenessReport:
        """``windows``: where each action must start (``schedule.windows``); None checks
        only that the actions occur in order (the CLI on a whole clip)."""
        ...

    def embed_image(self, image_bgr: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
        """Embedding of the one face in the image; raises FaceError otherwise."""

    def similarity(self, a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float: ...

    def check_config(self) -> list[str]:
        """Problems an administrator must fix (missing model, key, unreachable endpoint);
        empty when ready. Run by ``idrenew check --deploy`` and when the web server starts."""
        ...
