"""Find the ID card in a photo and rectify it to a fixed landscape size.

The card is an ISO/IEC 7810 ID-1 card, 85.6 × 54 mm (aspect 1.585). The search works on a
copy of the photo scaled to ``WORK_SIDE`` px: several binary masks (edges closed into blobs,
Otsu on brightness in both polarities, Otsu on colour saturation) each give candidate blobs;
a blob is a card candidate when its convex hull simplifies to a quadrilateral that it fills,
with a plausible aspect ratio once perspective is allowed for. The best candidate is warped
to ``CARD_W × CARD_H`` from the full-resolution photo, long side horizontal. Whether the
result is upright or upside down is decided later from the text (``pipeline``).

Candidates are scored by area, fill and — strongly — closeness to the card's aspect ratio.
When the choice is doubtful (no candidate, the best one running into the border, or one too
small to be the card) RapidOCR's text detector runs once on the work image (≈ 0.15 s, so only
then) and the text decides: the card is the tightest candidate holding most of the text lines;
when none does — a white card on white paper — or the one holding it is a border-touching
region much larger than the card the text's height implies, the card is fitted around the
text (its rotated bounding box, grown by the layout's margins) and each side is moved to the
strongest straight edge near where it should be. A blob that merely touches the border at a
point (shadow, background) is not "cut": a corner of its quad must be at the border, or a
stretch of its outline must run along it. A second card must hold text lines of its own.

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

MIN_AREA_FRACTION = 0.012  # a blob below this is never a card candidate
TOO_SMALL_FRACTION = 0.08  # card area / photo area below this: IDCARD_TOO_SMALL
TOO_SMALL_WIDTH = 420  # card long side in the (≤ 1600 px) photo below this: IDCARD_TOO_SMALL
ASPECT_RANGE = (1.38, 1.85)  # quad aspect accepted (a tilt of ≤ 10° changes it by ≤ 6 %)
MIN_FILL = 0.88  # blob area / quad area
BORDER_MARGIN = 0.006  # of the work image side: a corner this near the border is "cut"
BORDER_RUN = 0.04  # …or this share of the outline running along the border
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
        aspect_penalty = float(abs(np.log(self.aspect / CARD_ASPECT)))
        return self.area * self.fill**4 * (1.0 - min(0.9, 4.0 * aspect_penalty))


def locate(photo: np.ndarray) -> Located:
    h, w = photo.shape[:2]
    scale = WORK_SIDE / max(h, w)
    small = cv2.resize(photo, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    sh, sw = small.shape[:2]
    candidates = sorted(_candidates(small), key=lambda c: c.score, reverse=True)
    best = candidates[0] if candidates else None
    from_text = False
    boxes: np.ndarray | None = None
    if best is None or best.touches_border or best.area < TOO_SMALL_FRACTION * sh * sw:
        # Ambiguous: no blob, a blob running into the border (the card cut by the frame — or
        # the card merged with a textured background, or a table top), or a small blob (a
        # small card — or the portrait, or a pattern). Let the text decide: the card is the
        # tightest card-shaped candidate holding most of the photo's text; when no candidate
        # does (a white card on white paper) the card is fitted around the text.
        boxes = _text_boxes(small)
        chosen = _by_text(candidates, boxes)
        implied = _implied_card_area(boxes)
        oversized = (
            chosen is not None
            and chosen.touches_border
            and chosen.area > TEXT_AREA_MAX * implied > 0
        )
        if chosen is not None and not oversized:
            best = chosen
        elif len(boxes) >= MIN_TEXT_BOXES and (
            best is None or oversized or _text_inside(best, boxes) < 0.5
        ):
            fitted = _fit_from_text(small, boxes)
            if fitted is not None:
                best, from_text = fitted, True
        if best is not None and best.touches_border and not from_text:
            inside = [c for c in candidates if not c.touches_border and c.area >= 0.2 * best.area]
            if inside and boxes is not None and len(boxes) == 0:
                best = inside[0]
    if best is None:
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
        # when the text was read, a second card has text of its own (not a bare table top)
        and (boxes is None or _own_text(c, best, boxes) >= MIN_TEXT_BOXES)
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


MIN_TEXT_BOXES = 4  # text lines needed before the text may pick or place the card
TEXT_HELD = 0.7  # share of the text lines a candidate must hold to be the card
# Where the text sits on the card (median over the generated cards, both sides): its height
# is about 0.80 of the card's, its centre about the card's centre.
TEXT_HEIGHT_SHARE = 0.80


TEXT_AREA_MAX = 1.45  # a candidate running into the border, holding the text but this much
# larger than the card the text implies, is a background region around the card


def _implied_card_area(boxes: np.ndarray) -> float:
    """The card's area as the height of the text implies it (0 without enough text)."""
    if len(boxes) < MIN_TEXT_BOXES:
        return 0.0
    _, (rw, rh), _ = cv2.minAreaRect(boxes.reshape(-1, 2))
    card_h = min(rw, rh) / TEXT_HEIGHT_SHARE
    return float(card_h * card_h * CARD_ASPECT)


def _text_boxes(small: np.ndarray) -> np.ndarray:
    """Centres and heights (n × 3) of the text lines RapidOCR's detector finds in the photo."""
    from .ocr import detect  # late: ocr imports this module

    boxes = detect(small)
    if boxes is None or len(boxes) == 0:
        return np.zeros((0, 4, 2), np.float32)
    return np.asarray(boxes, np.float32).reshape(-1, 4, 2)


def _text_inside(c: _Candidate, boxes: np.ndarray) -> float:
    if len(boxes) == 0:
        return 0.0
    contour = c.quad.reshape(-1, 1, 2).astype(np.float32)
    centres = boxes.mean(axis=1)
    inside = [cv2.pointPolygonTest(contour, (float(x), float(y)), False) >= 0 for x, y in centres]
    return float(np.mean(inside))


def _own_text(c: _Candidate, other: _Candidate, boxes: np.ndarray) -> int:
    """Text lines inside ``c`` and not inside ``other``."""
    a = c.quad.reshape(-1, 1, 2).astype(np.float32)
    b = other.quad.reshape(-1, 1, 2).astype(np.float32)
    count = 0
    for x, y in boxes.mean(axis=1):
        point = (float(x), float(y))
        if cv2.pointPolygonTest(a, point, False) >= 0 > cv2.pointPolygonTest(b, point, False):
            count += 1
    return count


def _by_text(candidates: list[_Candidate], boxes: np.ndarray) -> _Candidate | None:
    """The smallest card-shaped candidate that holds most of the text lines."""
    if len(boxes) < MIN_TEXT_BOXES:
        return None
    holding = [c for c in candidates if _text_inside(c, boxes) >= TEXT_HELD]
    if not holding:
        return None
    # Prefer the tightest one; among those of about the same size, the best-shaped.
    holding.sort(key=lambda c: c.area)
    smallest = holding[0].area
    close = [c for c in holding if c.area <= 1.3 * smallest]
    # A blob leaking into the border beside a whole card of the same size is the card merged
    # with some background: the whole one wins.
    return max(close, key=lambda c: (not c.touches_border, c.score))


def _fit_from_text(small: np.ndarray, boxes: np.ndarray) -> _Candidate | None:
    """A card placed around the text: the text's rotated bounding box gives the direction and
    the size, the strongest straight edges near the expected outline give the sides."""
    sh, sw = small.shape[:2]
    pts = boxes.reshape(-1, 2)
    (cx, cy), (rw, rh), angle = cv2.minAreaRect(pts)
    if rw < rh:
        rw, rh, angle = rh, rw, angle + 90.0
    if rh <= 4:
        return None
    card_h = rh / TEXT_HEIGHT_SHARE
    card_w = card_h * CARD_ASPECT
    # Turn the photo so the text runs horizontally, centred on the text.
    rot = cv2.getRotationMatrix2D((float(cx), float(cy)), float(angle), 1.0)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    gray = cv2.GaussianBlur(gray, (3, 3), 0)
    turned = cv2.warpAffine(gray, rot, (sw, sh), flags=cv2.INTER_LINEAR, borderValue=0)
    valid = cv2.warpAffine(
        np.full((sh, sw), 255, np.uint8), rot, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0
    )
    g = turned.astype(np.float32)
    gx = np.abs(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3))
    gy = np.abs(cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))
    edge_ok = cv2.erode(valid, np.ones((5, 5), np.uint8)) > 0
    gx[~edge_ok] = 0
    gy[~edge_ok] = 0
    x0, x1 = cx - card_w / 2, cx + card_w / 2
    y0, y1 = cy - card_h / 2, cy + card_h / 2
    band_x = 0.14 * card_w
    band_y = 0.14 * card_h
    rows = slice(max(0, int(cy - 0.3 * card_h)), min(sh, int(cy + 0.3 * card_h)))
    cols = slice(max(0, int(cx - 0.3 * card_w)), min(sw, int(cx + 0.3 * card_w)))
    col_profile = gx[rows].sum(axis=0)
    row_profile = gy[:, cols].sum(axis=1)

    def peak(profile: np.ndarray, centre: float, band: float, limit: float) -> float:
        """The strongest edge within ``band`` of the expected place, on the far side of the
        text's own edge (``limit``); the expected place itself when nothing stands out."""
        lo, hi = int(centre - band), int(centre + band) + 1
        if centre < limit:
            hi = min(hi, int(limit) - 4)
        else:
            lo = max(lo, int(limit) + 5)
        lo, hi = max(lo, 4), min(hi, len(profile) - 4)
        if hi - lo < 3:
            return centre
        values = profile[lo:hi]
        offsets = np.arange(lo, hi, dtype=np.float32) - centre
        weighted = values * np.exp(-0.5 * (offsets / band) ** 2)
        k = int(np.argmax(weighted))
        if values[k] < 1.5 * float(np.median(values)) + 1e-6:
            return centre
        return float(lo + k)

    text_x0, text_x1 = cx - rw / 2, cx + rw / 2
    text_y0, text_y1 = cy - rh / 2, cy + rh / 2
    left = peak(col_profile, x0, band_x, text_x0)
    right = peak(col_profile, x1, band_x, text_x1)
    top = peak(row_profile, y0, band_y, text_y0)
    bottom = peak(row_profile, y1, band_y, text_y1)
    if right - left < 1.2 * (bottom - top) or bottom - top < 10:
        return None
    inv = cv2.invertAffineTransform(rot)
    corners = np.array([[left, top], [right, top], [right, bottom], [left, bottom]], np.float32)
    quad = cv2.transform(corners.reshape(-1, 1, 2), inv).reshape(4, 2)
    quad[:, 0] = np.clip(quad[:, 0], 0, sw - 1)
    quad[:, 1] = np.clip(quad[:, 1], 0, sh - 1)
    area = float(cv2.contourArea(quad))
    margin = max(2.0, BORDER_MARGIN * max(sw, sh))
    cut = bool(
        (quad[:, 0] <= margin).any()
        or (quad[:, 1] <= margin).any()
        or (quad[:, 0] >= sw - 1 - margin).any()
        or (quad[:, 1] >= sh - 1 - margin).any()
    )
    return _Candidate(
        quad=quad.astype(np.float32),
        area=area,
        fill=1.0,
        aspect=_aspect(quad),
        touches_border=cut,
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
        if abs(cos) > 0.34:  # corner angle outside 70°–110° (a tilt of ≤ 10° keeps ±12°)
            return False
    return True


def _touches_border(contour: np.ndarray, quad: np.ndarray, sw: int, sh: int) -> bool:
    """A corner of the card's quad at the border, or a stretch of its outline running along
    the border (a blob touching the border at a point is the card's shadow or a bit of
    background, not the card cut by the frame)."""
    margin = max(2.0, BORDER_MARGIN * max(sw, sh))
    if (
        (quad[:, 0] <= margin).any()
        or (quad[:, 1] <= margin).any()
        or (quad[:, 0] >= sw - 1 - margin).any()
        or (quad[:, 1] >= sh - 1 - margin).any()
    ):
        return True
    pts = contour.reshape(-1, 2).astype(np.float32)
    nxt = np.roll(pts, -1, axis=0)
    along = 0.0
    for axis, limit in ((0, margin), (1, margin)):
        for near in (pts[:, axis] <= limit, None):
            if near is None:
                edge = (sw if axis == 0 else sh) - 1 - margin
                a = pts[:, axis] >= edge
                b = nxt[:, axis] >= edge
            else:
                a = near
                b = nxt[:, axis] <= limit
            both = a & b
            along += float(np.linalg.norm((nxt - pts)[both], axis=1).sum())
    perimeter = float(cv2.arcLength(pts.reshape(-1, 1, 2), True))
    return along >= BORDER_RUN * perimeter


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
