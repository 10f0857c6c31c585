"""Find the ID card in a photo and rectify it to a fixed landscape size.

The card is an ISO/IEC 7810 ID-1 card, 85.6 × 54 mm (aspect 1.585). The search works on a
copy of the photo scaled to ``WORK_SIDE`` px: several binary masks (edges closed into blobs,
Otsu on brightness in both polarities, Otsu on colour saturation) each give candidate blobs;
a blob is a card candidate when its convex hull simplifies to a quadrilateral that it fills,
with a plausible aspect ratio once perspective is allowed for. The best candidate is warped
to ``CARD_W × CARD_H`` from the full-resolution photo, long side horizontal. Whether the
result is upright or upside down is decided later from the text (``pipeline``).

When no candidate is found but the photo itself has the card's proportions, the photo is
taken as an already-cropped card (a scan, or a photo cropped on the phone).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

CARD_W, CARD_H = 856, 540
CARD_ASPECT = 85.6 / 54.0
WORK_SIDE = 640

MIN_AREA_FRACTION = 0.03  # a blob below this is never a card candidate
TOO_SMALL_FRACTION = 0.12  # card area / photo area below this: IDCARD_TOO_SMALL
TOO_SMALL_WIDTH = 380  # card long side in the (≤ 1600 px) photo below this: IDCARD_TOO_SMALL
ASPECT_RANGE = (1.25, 2.0)  # quad aspect accepted (perspective stretches it)
MIN_FILL = 0.88  # blob area / quad area
BORDER_MARGIN = 0.006  # of the work image side: a corner this near the border is "cut"
FULL_FRAME_ASPECT = (1.45, 1.72)  # a photo this shape may be the card itself
FULL_FRAME_FILL = 0.80  # …when the card found covers this much of it


@dataclass
class Located:
    card: np.ndarray | None  # CARD_H × CARD_W BGR, long side horizontal (maybe upside down)
    quad: np.ndarray | None  # 4×2 float32 corners in the photo (tl, tr, br, bl of `card`)
    warnings: list[str] = field(default_factory=list)
    full_frame: bool = False  # the photo was taken as the card itself
    area_fraction: float = 0.0
    card_width_px: float = 0.0  # long side of the card in the photo


@dataclass
class _Candidate:
    quad: np.ndarray  # in work-image coordinates
    area: float
    fill: float
    aspect: float
    touches_border: bool

    @property
    def score(self) -> float:
        aspect_penalty = abs(np.log(self.aspect / CARD_ASPECT))
        return self.area * self.fill**4 * (1.0 - min(0.9, aspect_penalty))


def locate(photo: np.ndarray) -> Located:
    h, w = photo.shape[:2]
    scale = WORK_SIDE / max(h, w)
    small = cv2.resize(photo, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    candidates = _candidates(small)
    if not candidates:
        aspect = max(w, h) / min(w, h)
        if FULL_FRAME_ASPECT[0] <= aspect <= FULL_FRAME_ASPECT[1]:
            quad = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)
            card = _warp(photo, _landscape(quad))
            return Located(
                card=card,
                quad=_landscape(quad),
                full_frame=True,
                area_fraction=1.0,
                card_width_px=float(max(w, h)),
            )
        return Located(card=None, quad=None, warnings=["IDCARD_NOT_A_CARD"])
    candidates.sort(key=lambda c: c.score, reverse=True)
    best = candidates[0]
    if best.touches_border:
        # A blob running into the border is the card cut by the frame — or the card merged
        # with a textured background. A whole card inside the frame wins if there is one.
        inside = [c for c in candidates if not c.touches_border and c.area >= 0.2 * best.area]
        if inside:
            best = inside[0]
    warnings: list[str] = []
    fraction = best.area / float(sh * sw)
    aspect = max(w, h) / min(w, h)
    full_frame = (
        fraction >= FULL_FRAME_FILL and FULL_FRAME_ASPECT[0] <= aspect <= FULL_FRAME_ASPECT[1]
    )
    if best.touches_border and not full_frame:
        warnings.append("IDCARD_EDGE_CUT")
    others = [
        c
        for c in candidates
        if c is not best
        and c.area >= 0.4 * best.area
        and c.fill >= 0.9
        and not _overlaps(c.quad, best.quad)
    ]
    if others:
        warnings.append("IDCARD_MULTIPLE_CARDS")
    quad = _landscape(best.quad / scale)
    width_px = float((np.linalg.norm(quad[1] - quad[0]) + np.linalg.norm(quad[2] - quad[3])) / 2)
    if fraction < TOO_SMALL_FRACTION or width_px < TOO_SMALL_WIDTH:
        warnings.append("IDCARD_TOO_SMALL")
    return Located(
        card=_warp(photo, quad),
        quad=quad,
        warnings=warnings,
        full_frame=full_frame,
        area_fraction=fraction,
        card_width_px=width_px,
    )


def _masks(small: np.ndarray) -> list[np.ndarray]:
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    blur = cv2.GaussianBlur(gray, (5, 5), 0)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (5, 5))
    masks = []
    for lo, hi in ((30, 90), (12, 36)):
        edges = cv2.dilate(cv2.Canny(blur, lo, hi), kernel, iterations=1)
        masks.append(cv2.erode(_fill_holes(edges), kernel, iterations=1))
        # The regions the edges enclose: the card's inside is one region even on a textured
        # background whose edges touch the card's outline.
        masks.append(255 - edges)
    # Colour edges: a pale card on pale paper differs more in hue than in brightness.
    lab = cv2.cvtColor(cv2.GaussianBlur(small, (5, 5), 0), cv2.COLOR_BGR2LAB)
    chroma_edges = cv2.Canny(blur, 12, 36)
    for channel in (1, 2):
        c = lab[:, :, channel].astype(np.float32)
        span = max(float(c.max() - c.min()), 1.0)
        stretched = ((c - float(c.min())) * (255.0 / span)).astype(np.uint8)
        chroma_edges = cv2.bitwise_or(chroma_edges, cv2.Canny(stretched, 20, 60))
    chroma_edges = cv2.dilate(chroma_edges, kernel, iterations=2)
    masks.append(cv2.erode(_fill_holes(chroma_edges), kernel, iterations=2))
    _, bright = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    for m in (bright, 255 - bright):
        m = cv2.morphologyEx(m, cv2.MORPH_OPEN, kernel)
        masks.append(_fill_holes(cv2.morphologyEx(m, cv2.MORPH_CLOSE, kernel, iterations=2)))
    sat = cv2.cvtColor(small, cv2.COLOR_BGR2HSV)[:, :, 1]
    sat = cv2.GaussianBlur(sat, (7, 7), 0)
    if int(sat.max()) - int(sat.min()) > 40:
        _, low_sat = cv2.threshold(sat, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
        low_sat = cv2.morphologyEx(low_sat, cv2.MORPH_OPEN, kernel)
        masks.append(_fill_holes(cv2.morphologyEx(low_sat, cv2.MORPH_CLOSE, kernel, iterations=2)))
    return masks


_LIST_MASKS = {1, 3}  # the enclosed-region masks: every contour, not only the outer ones


def _fill_holes(mask: np.ndarray) -> np.ndarray:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(mask)
    cv2.drawContours(filled, contours, -1, 255, thickness=cv2.FILLED)
    return filled


def _candidates(small: np.ndarray) -> list[_Candidate]:
    sh, sw = small.shape[:2]
    total = float(sh * sw)
    found: list[_Candidate] = []
    for k, mask in enumerate(_masks(small)):
        mode = cv2.RETR_LIST if k in _LIST_MASKS else cv2.RETR_EXTERNAL
        contours, _ = cv2.findContours(mask, mode, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            area = float(cv2.contourArea(contour))
            if area < MIN_AREA_FRACTION * total or area > 0.985 * total:
                continue
            quad = _quad(contour)
            if quad is None:
                continue
            quad_area = float(cv2.contourArea(quad))
            if quad_area <= 0:
                continue
            fill = min(area, quad_area) / max(area, quad_area)
            aspect = _aspect(quad)
            if fill < MIN_FILL or not ASPECT_RANGE[0] <= aspect <= ASPECT_RANGE[1]:
                continue
            if not _convex_and_angles_ok(quad):
                continue
            found.append(
                _Candidate(
                    quad=quad.astype(np.float32),
                    area=area,
                    fill=fill,
                    aspect=aspect,
                    touches_border=_touches_border(contour, quad, sw, sh),
                )
            )
    return _dedupe(found)


def _quad(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.045, 0.06, 0.08):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return np.asarray(approx.reshape(4, 2), np.float32)
        if len(approx) < 4:
            break
    # No clean quadrilateral: the rotated bounding box, if the blob fills it.
    rect = cv2.minAreaRect(contour)
    return np.asarray(cv2.boxPoints(rect), np.float32)


def _aspect(quad: np.ndarray) -> float:
    q = _order(quad)
    top = np.linalg.norm(q[1] - q[0])
    bottom = np.linalg.norm(q[2] - q[3])
    left = np.linalg.norm(q[3] - q[0])
    right = np.linalg.norm(q[2] - q[1])
    a, b = (top + bottom) / 2, (left + right) / 2
    if min(a, b) <= 1:
        return 0.0
    return float(max(a, b) / min(a, b))


def _convex_and_angles_ok(quad: np.ndarray) -> bool:
    q = _order(quad)
    if not cv2.isContourConvex(q.reshape(-1, 1, 2).astype(np.float32)):
        return False
    for i in range(4):
        a, b, c = q[i - 1], q[i], q[(i + 1) % 4]
        v1, v2 = a - b, c - b
        cos = float(np.dot(v1, v2) / (np.linalg.norm(v1) * np.linalg.norm(v2) + 1e-9))
        if abs(cos) > 0.5:  # corner angle outside 60°–120°
            return False
    return True


def _touches_border(contour: np.ndarray, quad: np.ndarray, sw: int, sh: int) -> bool:
    margin = max(2.0, BORDER_MARGIN * max(sw, sh))
    pts = contour.reshape(-1, 2).astype(np.float32)
    for arr in (pts, quad):
        if (
            (arr[:, 0] <= margin).any()
            or (arr[:, 1] <= margin).any()
            or (arr[:, 0] >= sw - 1 - margin).any()
            or (arr[:, 1] >= sh - 1 - margin).any()
        ):
            return True
    return False


def _overlaps(a: np.ndarray, b: np.ndarray) -> bool:
    ca = a.mean(axis=0)
    cb = b.mean(axis=0)
    inside_b = cv2.pointPolygonTest(b.reshape(-1, 1, 2), (float(ca[0]), float(ca[1])), False)
    inside_a = cv2.pointPolygonTest(a.reshape(-1, 1, 2), (float(cb[0]), float(cb[1])), False)
    return inside_a >= 0 or inside_b >= 0


def _dedupe(cands: list[_Candidate]) -> list[_Candidate]:
    cands = sorted(cands, key=lambda c: c.score, reverse=True)
    kept: list[_Candidate] = []
    for c in cands:
        if any(_same(c.quad, k.quad) for k in kept):
            continue
        kept.append(c)
    return kept


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Nearly the same quadrilateral (each corner within 4 % of the card's size)."""
    qa, qb = _order(a), _order(b)
    size = float(np.sqrt(max(cv2.contourArea(qa), cv2.contourArea(qb), 1.0)))
    return bool(np.linalg.norm(qa - qb, axis=1).max() < 0.04 * size)


def _order(quad: np.ndarray) -> np.ndarray:
    """Corners clockwise from the top-left (image coordinates, y down)."""
    pts = np.asarray(quad, np.float32).reshape(4, 2)
    center = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - center[1], pts[:, 0] - center[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen, starting near the left
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def _landscape(quad: np.ndarray) -> np.ndarray:
    q = _order(quad)
    top = np.linalg.norm(q[1] - q[0]) + np.linalg.norm(q[2] - q[3])
    side = np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])
    if side > top:  # card stands on its side: make the long edge the top
        q = np.roll(q, -1, axis=0)
    return q.astype(np.float32)


def _warp(photo: np.ndarray, quad: np.ndarray) -> np.ndarray:
    dst = np.array([[0, 0], [CARD_W - 1, 0], [CARD_W - 1, CARD_H - 1], [0, CARD_H - 1]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    return cv2.warpPerspective(
        photo, matrix, (CARD_W, CARD_H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def rotate180(card: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(card[::-1, ::-1])
