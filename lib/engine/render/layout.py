"""Frame layouts: where the avatar, its scene, the content panel and the captions go for each
aspect ratio x screen style.

Framing is chosen per combination (not scaled from one template) so that head and shoulders sit in
the safe area and nothing is cut awkwardly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.engine.render.bust import FACE_CX, HEAD_BOX, HEAD_SCALE, NECK_PIVOT, on_body
from lib.joggai.contract import DEFAULT_RESOLUTION, FRAME_SIZES, SCREEN_STYLES

SIZES = FRAME_SIZES[DEFAULT_RESOLUTION]  # the base frame each layout is drawn for; 1080p scales it
# The eye line in bust units (bust.face_geometry puts it at 343 in the head's units, scaled about the neck).
EYE_Y_UNITS = NECK_PIVOT[1] - (NECK_PIVOT[1] - 343.0) * HEAD_SCALE
# Head motion stays within these bounds (bust units / degrees); the dynamic region adds this margin.
MAX_ROTATION_DEG = 2.5
MAX_SHIFT_UNITS = 8.0
# The shoulders rise and fall with the breath by up to this (bust units), in whole frame pixels.
MAX_BODY_RISE_UNITS = 1.0
# The head is visible down to the collar; below it the static body covers it.
HEAD_VISIBLE_BOTTOM = 560.0

Rect = tuple[int, int, int, int]  # x0, y0, x1, y1 in frame pixels


@dataclass(frozen=True)
class Layout:
    """Geometry of one aspect ratio x screen style, in frame pixels."""

    aspect_ratio: str
    screen_style: int
    width: int
    height: int
    bust_x: float  # frame position of bust unit (0, 0)
    bust_y: float
    bust_scale: float  # frame pixels per bust unit
    scene_rect: Rect  # where the avatar's scene is painted
    circle: tuple[float, float, float] | None  # picture-in-picture: (cx, cy, r) that clips the avatar
    panel_rect: Rect | None  # content panel (split and picture-in-picture)
    title_rect: Rect | None  # the video name on the panel
    sentence_rect: Rect | None  # the current sentence on the panel
    caption_rect: Rect  # burned-in captions
    head_region: Rect  # the only area that changes every frame
    content_rect: Rect | None = None  # the request's content picture (split panel card, or PiP's whole frame)
    logo_rect: Rect | None = None  # the request's logo, in a corner

    @property
    def clip_rect(self) -> Rect:
        """The area the avatar may paint into."""
        if self.circle is not None:
            cx, cy, r = self.circle
            return (int(cx - r), int(cy - r), math.ceil(cx + r), math.ceil(cy + r))
        return self.scene_rect


def _even_rect(x0: float, y0: float, x1: float, y1: float, width: int, height: int) -> Rect:
    """Expand to even coordinates (YUV 4:2:0 works on 2x2 blocks) and clamp to the frame."""
    ex0 = max(0, math.floor(x0) // 2 * 2)
    ey0 = max(0, math.floor(y0) // 2 * 2)
    ex1 = min(width, (math.ceil(x1) + 1) // 2 * 2)
    ey1 = min(height, (math.ceil(y1) + 1) // 2 * 2)
    return (ex0, ey0, max(ex0 + 2, ex1), max(ey0 + 2, ey1))


def _intersect(a: Rect, b: Rect) -> Rect:
    return (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))


def head_region_for(bust_x: float, bust_y: float, scale: float, clip: Rect, width: int, height: int) -> Rect:
    """Frame rectangle covering every pixel the moving head can touch."""
    x0, y0, x1, _ = on_body(HEAD_BOX)
    y1 = HEAD_VISIBLE_BOTTOM
    # A point at distance d from the neck pivot moves at most d * angle when the head turns.
    reach = max(math.dist(NECK_PIVOT, corner) for corner in ((x0, y0), (x1, y0))) * math.radians(MAX_ROTATION_DEG)
    margin = reach + MAX_SHIFT_UNITS + 2
    rect = _even_rect(bust_x + (x0 - margin) * scale, bust_y + (y0 - margin) * scale,
                      bust_x + (x1 + margin) * scale, bust_y + (y1 + margin) * scale, width, height)
    clipped = _intersect(rect, _even_rect(*clip, width, height))
    return clipped


# (aspect, style) -> framing numbers; eyes_x/eyes_y are fractions of the avatar's area.
_FRAMING: dict[tuple[str, int], dict[str, float]] = {
    ("portrait", 1): {"scale": 1.45, "eyes_x": 0.5, "eyes_y": 0.40},
    ("landscape", 1): {"scale": 1.02, "eyes_x": 0.5, "eyes_y": 0.42},
    ("square", 1): {"scale": 1.02, "eyes_x": 0.5, "eyes_y": 0.42},
    ("portrait", 2): {"scale": 1.05, "eyes_x": 0.5, "eyes_y": 0.44},
    ("landscape", 2): {"scale": 0.95, "eyes_x": 0.5, "eyes_y": 0.40},
    ("square", 2): {"scale": 0.66, "eyes_x": 0.5, "eyes_y": 0.42},
}


def _content_rects(aspect_ratio: str, screen_style: int, w: int, h: int, scene: Rect) -> tuple[Rect, Rect | None,
                                                                                              Rect | None]:
    """(content, title, sentence) when the request brings a content picture.

    Split screen: the panel becomes a card (the picture, rounded) over the title and the current sentence.
    Picture in picture: the picture is the whole frame under the avatar's bubble, with no panel text."""
    if screen_style == 3:
        return (0, 0, w, h), None, None
    if aspect_ratio == "portrait":
        return ((int(w * 0.06), int(h * 0.525), int(w * 0.94), int(h * 0.80)),
                (int(w * 0.06), int(h * 0.815), int(w * 0.94), int(h * 0.875)),
                (int(w * 0.06), int(h * 0.88), int(w * 0.94), int(h * 0.975)))
    x0, x1 = scene[2] + int(w * 0.04), w - int(w * 0.04)
    if aspect_ratio == "square":  # captions run across the bottom: the panel stops above them
        return ((x0, int(h * 0.06), x1, int(h * 0.46)), (x0, int(h * 0.49), x1, int(h * 0.59)),
                (x0, int(h * 0.60), x1, int(h * 0.75)))
    return ((x0, int(h * 0.07), x1, int(h * 0.62)), (x0, int(h * 0.66), x1, int(h * 0.76)),
            (x0, int(h * 0.77), x1, int(h * 0.94)))


def _logo_rect(aspect_ratio: str, screen_style: int, w: int, h: int, logo_size: tuple[int, int]) -> Rect:
    """A corner box for the logo, its aspect ratio kept: top right, or top left over the avatar's half of a
    side-by-side split (the panel's title holds the top right there)."""
    short = min(w, h)
    box_w, box_h = short * 0.30, short * 0.11
    lw, lh = logo_size
    fit = min(box_w / lw, box_h / lh)
    width, height = lw * fit, lh * fit
    margin = short * 0.035
    left = screen_style == 2 and aspect_ratio != "portrait"
    x0 = margin if left else w - margin - width
    return (int(x0), int(margin), math.ceil(x0 + width), math.ceil(margin + height))


def _styled_caption(rect: Rect, h: int, size: float, lift: float) -> Rect:
    """A caption box grown upwards for a bigger preset and lifted by a fraction of the frame height."""
    x0, y0, x1, y1 = rect
    bottom = min(h, y1 - lift * h)
    return (x0, max(0, int(bottom - (y1 - y0) * size)), x1, int(bottom))


def make_layout(aspect_ratio: str, screen_style: int, *, size_scale: float = 1.0, content: bool = False,
                logo_size: tuple[int, int] | None = None, caption_size: float = 1.0, caption_lift: float = 0.0
                ) -> Layout:
    """The layout for an aspect ratio ("portrait"|"landscape"|"square") and screen style (1|2|3).

    `size_scale` scales everything proportionally (covers and previews use smaller frames, 1080p a
    larger one). `content` makes room for a content picture, `logo_size` (its pixels) places a logo,
    `caption_size` and `caption_lift` are a caption preset's box height factor and lift (frame heights).
    """
    if aspect_ratio not in SIZES:
        raise ValueError(f"unknown aspect_ratio {aspect_ratio!r}")
    if screen_style not in SCREEN_STYLES:
        raise ValueError(f"unknown screen_style {screen_style!r}")
    base_w, base_h = SIZES[aspect_ratio]
    w = round(base_w * size_scale / 2) * 2
    h = round(base_h * size_scale / 2) * 2
    k = w / base_w
    circle = None
    panel = title = sentence = None
    if screen_style == 1:
        scene: Rect = (0, 0, w, h)
        f = _FRAMING[(aspect_ratio, 1)]
        scale = f["scale"] * k
        caption_h = int(h * (0.15 if aspect_ratio == "portrait" else 0.2))
        cap_y = int(h * (0.86 if aspect_ratio == "portrait" else 0.90)) - caption_h
        caption: Rect = (int(w * 0.05), cap_y, int(w * 0.95), cap_y + caption_h)
    elif screen_style == 2:
        f = _FRAMING[(aspect_ratio, 2)]
        scale = f["scale"] * k
        if aspect_ratio == "portrait":
            scene = (0, 0, w, h // 2)
            panel = (0, h // 2, w, h)
            title = (int(w * 0.08), int(h * 0.54), int(w * 0.92), int(h * 0.62))
            sentence = (int(w * 0.08), int(h * 0.64), int(w * 0.92), int(h * 0.94))
            caption = (int(w * 0.05), int(h * 0.38), int(w * 0.95), int(h * 0.48))
        else:
            half = w // 2
            scene = (0, 0, half, h)
            panel = (half, 0, w, h)
            title = (half + int(w * 0.04), int(h * 0.10), w - int(w * 0.04), int(h * 0.26))
            if aspect_ratio == "square":
                # Half of a square is too narrow for readable captions: they run as a lower third
                # across both halves, and the panel's text stops above them.
                sentence = (half + int(w * 0.04), int(h * 0.30), w - int(w * 0.04), int(h * 0.74))
                caption = (int(w * 0.03), int(h * 0.77), w - int(w * 0.03), int(h * 0.96))
            else:
                sentence = (half + int(w * 0.04), int(h * 0.30), w - int(w * 0.04), int(h * 0.90))
                caption = (int(w * 0.02), int(h * 0.74), half - int(w * 0.02), int(h * 0.94))
    else:
        panel = (0, 0, w, h)
        short = min(w, h)
        r = short * {"portrait": 0.24, "landscape": 0.22, "square": 0.19}[aspect_ratio]
        margin = short * 0.06
        cx = w - margin - r
        cy = h - margin * (2.2 if aspect_ratio == "portrait" else 1.0) - r
        if aspect_ratio == "square":  # the bubble sits above full-width captions, which stay readable
            cy = h * 0.77 - r
        circle = (cx, cy, r)
        scene = (int(cx - r), int(cy - r), math.ceil(cx + r), math.ceil(cy + r))
        # In the circle the face fills most of the disc: a tight head-and-shoulders crop.
        scale = r * 2 / 330.0
        f = {"eyes_x": 0.5, "eyes_y": 0.42}
        title = (int(w * 0.07), int(h * 0.07), int(w * 0.93), int(h * (0.15 if aspect_ratio == "portrait" else 0.2)))
        if aspect_ratio == "portrait":
            sentence = (int(w * 0.07), int(h * 0.2), int(w * 0.93), int(h * 0.52))
            caption = (int(w * 0.05), int(h * 0.54), int(w * 0.95), int(h * 0.64))
        elif aspect_ratio == "square":
            sentence = (int(w * 0.06), int(h * 0.22), int(cx - r - w * 0.04), int(h * 0.76))
            caption = (int(w * 0.03), int(h * 0.79), int(w * 0.97), int(h * 0.97))
        else:
            sentence = (int(w * 0.06), int(h * 0.26), int(cx - r - w * 0.04), int(h * 0.7))
            caption = (int(w * 0.04), int(h * 0.76), int(cx - r - w * 0.02), int(h * 0.95))
    content_rect = logo_rect = None
    if content and screen_style != 1:
        content_rect, title, sentence = _content_rects(aspect_ratio, screen_style, w, h, scene)
        if screen_style == 3 and aspect_ratio == "portrait":  # keep the middle of the picture clear
            caption = (int(w * 0.05), int(h * 0.11), int(w * 0.95), int(h * 0.21))
    if logo_size is not None:
        logo_rect = _logo_rect(aspect_ratio, screen_style, w, h, logo_size)
        if title is not None and title[1] < logo_rect[3] and title[2] > logo_rect[0] and title[0] < logo_rect[2]:
            title = (title[0], title[1], max(title[0] + 2, logo_rect[0] - int(w * 0.03)), title[3])
    caption = _styled_caption(caption, h, caption_size, caption_lift)
    sx0, sy0, sx1, sy1 = scene
    eyes_x = sx0 + (sx1 - sx0) * f["eyes_x"]
    eyes_y = sy0 + (sy1 - sy0) * f["eyes_y"]
    bust_x = eyes_x - FACE_CX * scale
    bust_y = eyes_y - EYE_Y_UNITS * scale
    clip = scene
    head = head_region_for(bust_x, bust_y, scale, clip, w, h)
    def even(rect: Rect | None) -> Rect | None:
        return None if rect is None else _even_rect(*rect, w, h)

    return Layout(aspect_ratio, screen_style, w, h, bust_x, bust_y, scale, scene, circle, panel, title,
                  even(sentence), _even_rect(*caption, w, h), head, content_rect, even(logo_rect))


def all_layouts() -> list[Layout]:
    """The nine layouts at full size."""
    return [make_layout(a, s) for a in SIZES for s in SCREEN_STYLES]
