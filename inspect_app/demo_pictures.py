"""Generated photos for the demo: simple Pillow-drawn workshop scenes, before and after.

Each scene is drawn from a few shapes (a saw blade, a belt drive, an aisle…) with a caption bar
saying what it shows, so nobody mistakes it for a real photo. The images go through the photos
service like any upload.
"""

from __future__ import annotations

import io
import math
import random
import shutil
import subprocess  # nosec B404  # fc-list, to find the installed CJK fonts
from collections.abc import Callable
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 800, 600
FLOOR_Y = 430
STEEL = (150, 156, 164)
DARK = (48, 52, 58)
YELLOW = (242, 183, 5)
RED = (180, 30, 35)
GREEN = (40, 130, 70)
GUARD = (120, 170, 200)


#: Families that draw Simplified Chinese, best first; a Japanese or Traditional face of the same
#: collection draws the same characters (with regional glyph shapes) when SC is not there.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Noto Sans CJK",
    "WenQuanYi",
    "Droid Sans Fallback",
)
CJK_PROBE = "演示图片整改前后"


class NoCJKFont(RuntimeError):
    """No installed font draws Chinese: captions would show as boxes."""


def _candidates():
    """(path, face index) of installed fonts, CJK sans faces first: fontconfig's list when
    fc-list is there, else matplotlib's (its cache can predate a font installed later)."""
    found: list[tuple[str, int, str]] = []
    fc_list = shutil.which("fc-list")
    if fc_list:
        try:
            out = subprocess.run(  # noqa: S603  # nosec B603  # fixed program and arguments
                [fc_list, ":lang=zh-cn", "--format", "%{file}|%{index}|%{family}|%{style}\n"],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            path, _, rest = line.partition("|")
            index, _, rest = rest.partition("|")
            family, _, style = rest.partition("|")
            if path and index.isdigit() and "Bold" not in style:
                found.append((path, int(index), family))
    try:
        from matplotlib import font_manager

        for entry in font_manager.fontManager.ttflist:
            if entry.weight in (400, "normal", "regular"):
                found.append((entry.fname, getattr(entry, "index", 0), entry.name))
    except ImportError:  # pragma: no cover - matplotlib is a dependency
        pass

    def rank(candidate):
        family = candidate[2]
        for n, wanted in enumerate(CJK_FAMILIES):
            if wanted in family and "Mono" not in family:
                return n
        return len(CJK_FAMILIES)

    return [(path, index) for path, index, _family in sorted(found, key=rank)]


def _draws_chinese(font) -> bool:
    """Whether the font has real glyphs for Chinese (not the .notdef box for each)."""
    boxes = {font.getmask(ch).getbbox() and bytes(font.getmask(ch)) for ch in CJK_PROBE}
    return len(boxes) > 2


@lru_cache(maxsize=1)
def cjk_font_file() -> tuple[str, int]:
    """The installed font file (and face index) the captions are drawn with; NoCJKFont when
    none draws Chinese (Debian: apt-get install fonts-noto-cjk)."""
    for path, index in _candidates():
        try:
            font = ImageFont.truetype(path, 22, index=index)
        except OSError:
            continue
        if _draws_chinese(font):
            return path, index
    raise NoCJKFont(
        "No installed font draws Chinese, so the demo pictures' captions would show as boxes. "
        "Install one (Debian/Ubuntu: apt-get install fonts-noto-cjk) and run this again."
    )


@lru_cache(maxsize=4)
def _font(size: int):
    """The CJK font for Chinese captions (NoCJKFont when none is installed)."""
    path, index = cjk_font_file()
    return ImageFont.truetype(path, size, index=index)


def _room(draw: ImageDraw.ImageDraw, rng: random.Random) -> None:
    wall = tuple(200 + rng.randint(-12, 12) for _ in range(3))
    draw.rectangle((0, 0, WIDTH, FLOOR_Y), fill=wall)
    draw.rectangle((0, FLOOR_Y, WIDTH, HEIGHT), fill=(118, 122, 112))
    for x in range(0, WIDTH, 160):  # floor tiles, for depth
        draw.line((x, FLOOR_Y, x - 60, HEIGHT), fill=(104, 108, 98), width=2)


def _tick_or_cross(draw, ok: bool) -> None:
    x, y = WIDTH - 90, 30
    if ok:
        draw.ellipse((x, y, x + 60, y + 60), fill=GREEN)
        draw.line((x + 14, y + 32, x + 26, y + 46, x + 47, y + 16), fill="white", width=8)
    else:
        draw.ellipse((x, y, x + 60, y + 60), fill=RED)
        draw.line((x + 17, y + 17, x + 43, y + 43), fill="white", width=8)
        draw.line((x + 43, y + 17, x + 17, y + 43), fill="white", width=8)


def _blade(draw, cx: int, cy: int, r: int) -> None:
    teeth = []
    for i in range(48):
        angle = 2 * math.pi * i / 48
        radius = r if i % 2 == 0 else r - 12
        teeth.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    draw.polygon(teeth, fill=STEEL, outline=DARK)
    draw.ellipse((cx - 18, cy - 18, cx + 18, cy + 18), fill=DARK)


def saw(draw, rng, after: bool) -> None:
    """Before: a cross-cut saw with a bare blade and a hand near it. After: the workers'
    cutting machine, blade enclosed, two red buttons far apart (two-hand control)."""
    draw.rectangle((120, 300, 680, 330), fill=(150, 110, 70))  # table
    draw.rectangle((140, 330, 170, FLOOR_Y), fill=DARK)
    draw.rectangle((630, 330, 660, FLOOR_Y), fill=DARK)
    if not after:
        _blade(draw, 400, 250, 95)
        draw.rectangle((250, 282, 560, 300), fill=(40, 40, 40))  # rubber sheet
        draw.ellipse((505, 240, 585, 300), fill=(224, 172, 140))  # hand
        draw.rectangle((575, 255, 660, 290), fill=(60, 90, 150))  # sleeve
    else:
        draw.rectangle((260, 120, 540, 300), fill=(70, 110, 150), outline=DARK, width=4)
        draw.rectangle((300, 160, 500, 290), fill=GUARD, outline=DARK, width=3)  # window
        _blade(draw, 400, 250, 45)
        for x in (175, 585):  # two-hand control: both buttons, far apart
            draw.rectangle((x - 30, 270, x + 30, 300), fill=YELLOW, outline=DARK, width=3)
            draw.ellipse((x - 20, 240, x + 20, 280), fill=RED, outline=DARK, width=3)


def belt(draw, rng, after: bool) -> None:
    """A motor driving a shaft through a belt: bare, then behind a mesh guard."""
    draw.rectangle((140, 300, 300, 400), fill=(60, 110, 80), outline=DARK, width=3)  # motor
    draw.ellipse((180, 180, 260, 260), fill=STEEL, outline=DARK, width=4)
    draw.ellipse((500, 110, 640, 250), fill=STEEL, outline=DARK, width=4)
    draw.line((220, 180, 570, 110), fill=DARK, width=10)
    draw.line((220, 260, 570, 250), fill=DARK, width=10)
    if after:
        draw.rectangle((160, 90, 670, 280), fill=None, outline=YELLOW, width=8)
        for x in range(170, 670, 18):
            draw.line((x, 95, x, 275), fill=(230, 190, 40), width=2)
        for y in range(100, 280, 18):
            draw.line((165, y, 665, y), fill=(230, 190, 40), width=2)


def aisle(draw, rng, after: bool) -> None:
    """A walkway with yellow lines: blocked by boxes, then clear."""
    draw.polygon(
        [(300, FLOOR_Y), (500, FLOOR_Y), (620, HEIGHT), (180, HEIGHT)], fill=(135, 138, 126)
    )
    draw.line((300, FLOOR_Y, 180, HEIGHT), fill=YELLOW, width=10)
    draw.line((500, FLOOR_Y, 620, HEIGHT), fill=YELLOW, width=10)
    if not after:
        for i in range(5):
            x = 280 + rng.randint(-20, 160)
            y = 440 + i * 25
            draw.rectangle((x, y - 70, x + 110, y), fill=(170, 130, 80), outline=DARK, width=2)
    else:
        for i in range(3):
            draw.rectangle((40 + i * 60, 250, 90 + i * 60, FLOOR_Y), fill=(170, 130, 80))
        draw.rectangle((30, 240, 230, 250), fill=DARK)


def panel(draw, rng, after: bool) -> None:
    """An electrical cabinet: door open with loose wires, then closed and labelled."""
    draw.rectangle((280, 90, 520, 400), fill=(205, 205, 198), outline=DARK, width=4)
    if not after:
        for _ in range(9):
            x = rng.randint(300, 500)
            draw.line(
                (x, 120, x + rng.randint(-90, 90), 460),
                fill=rng.choice([RED, DARK, YELLOW]),
                width=4,
            )
        draw.rectangle((520, 90, 600, 400), fill=(180, 180, 172), outline=DARK, width=3)
    else:
        draw.polygon([(400, 150), (450, 240), (350, 240)], fill=YELLOW, outline=DARK)
        draw.text((392, 185), "!", fill=DARK, font=_font(40))
        draw.rectangle((300, 300, 500, 330), fill="white", outline=DARK)


def drums(draw, rng, after: bool) -> None:
    """Chemical drums: unlabelled on the bare floor, then labelled on a spill tray."""
    if after:
        draw.rectangle((190, 380, 620, 420), fill=YELLOW, outline=DARK, width=3)
    for i in range(3):
        x = 220 + i * 130
        draw.rectangle((x, 230, x + 100, 390), fill=(40, 80, 140), outline=DARK, width=3)
        draw.ellipse((x, 215, x + 100, 245), fill=(60, 100, 160), outline=DARK, width=3)
        if after:
            draw.rectangle((x + 15, 280, x + 85, 340), fill="white", outline=DARK)
            draw.polygon([(x + 50, 285), (x + 75, 330), (x + 25, 330)], outline=RED, width=3)
    if not after:
        draw.ellipse((260, 400, 520, 440), fill=(90, 96, 70))  # a spill


def extinguisher(draw, rng, after: bool) -> None:
    """A fire extinguisher: hidden behind stacked goods, then free with its sign."""
    draw.rounded_rectangle((370, 220, 430, 400), radius=20, fill=RED, outline=DARK, width=3)
    draw.rectangle((385, 195, 415, 222), fill=DARK)
    if not after:
        for i in range(4):
            draw.rectangle(
                (300, 250 + i * 40, 520, 290 + i * 40), fill=(170, 130, 80), outline=DARK
            )
    else:
        draw.rectangle((350, 100, 450, 170), fill=RED, outline=DARK, width=3)
        draw.polygon([(400, 115), (430, 155), (370, 155)], fill="white")


def lamp(draw, rng, after: bool) -> None:
    """A workbench: dim, then lit by a task lamp."""
    draw.rectangle((150, 320, 650, 345), fill=(150, 110, 70))
    draw.rectangle((300, 260, 500, 320), fill=(220, 220, 210), outline=DARK, width=2)
    if after:
        draw.line((600, 320, 560, 140, 440, 120), fill=DARK, width=6)
        draw.polygon([(420, 110), (470, 110), (480, 140), (410, 140)], fill=YELLOW, outline=DARK)
        draw.polygon([(410, 140), (480, 140), (560, 320), (330, 320)], fill=(250, 240, 190))
    else:
        draw.rectangle((0, 0, WIDTH, FLOOR_Y), fill=(120, 118, 112))  # a dim corner
        draw.rectangle((150, 320, 650, 345), fill=(110, 85, 60))


def ppe(draw, rng, after: bool) -> None:
    """A rack of protective equipment: empty hooks, then stocked."""
    draw.rectangle((200, 120, 600, 140), fill=DARK)
    for i in range(5):
        x = 230 + i * 80
        draw.line((x, 140, x, 170), fill=DARK, width=4)
        if after:
            draw.ellipse((x - 28, 170, x + 28, 215), fill=YELLOW, outline=DARK, width=3)  # helmet
            draw.rectangle((x - 18, 240, x + 18, 300), fill=(230, 230, 225), outline=DARK)  # gloves


def sign(draw, rng, after: bool) -> None:
    """A notice board: empty, then with an illustrated procedure."""
    draw.rectangle((220, 110, 580, 380), fill="white", outline=DARK, width=5)
    if after:
        for i in range(4):
            draw.rectangle((250, 140 + i * 58, 300, 185 + i * 58), fill=(70, 110, 150))
            draw.line((320, 160 + i * 58, 550, 160 + i * 58), fill=DARK, width=6)


SCENES: dict[str, Callable] = {
    "saw": saw,
    "belt": belt,
    "aisle": aisle,
    "panel": panel,
    "drums": drums,
    "extinguisher": extinguisher,
    "lamp": lamp,
    "ppe": ppe,
    "sign": sign,
}


def picture(scene: str, *, after: bool, caption: str, when: str, seed: int) -> bytes:
    """A JPEG of the scene with a caption bar: 整改前/整改后, the date, and what it shows."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    _room(draw, rng)
    SCENES.get(scene, sign)(draw, rng, after)
    _tick_or_cross(draw, after)
    draw.rectangle((0, HEIGHT - 92, WIDTH, HEIGHT), fill=(17, 20, 24))
    stage = "整改后 AFTER" if after else "整改前 BEFORE"
    draw.text((20, HEIGHT - 84), f"{stage} · {when} · 演示图片 DEMO", fill=YELLOW, font=_font(22))
    draw.text((20, HEIGHT - 50), caption[:60], fill="white", font=_font(22))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=78)
    return out.getvalue()
