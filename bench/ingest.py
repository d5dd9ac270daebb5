"""Photo ingest against the floor: bare Pillow decode + resize + save of the same file."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from inspect_app.photos.ingest import ingest, probe_floor

PHOTOS = Path(__file__).resolve().parent.parent.parent / "shared" / "photos"

#: (label, file): the largest phone JPEG of ../shared/photos and the iPhone HEIC files
FILES = (
    ("phone JPEG (Nokia 8.3, 9.1 MP)", "mobile_HMD_Nokia_8.3_5G.jpg"),
    ("iPhone JPEG (8 MP)", "hdr_iphone_hdr_YES.jpg"),
    ("iPhone 13 Pro Max HEIC (12.2 MP)", "mobile_iphone_13_pro_max.HEIC"),
    ("iPhone HEIC (8.5 MP)", "IMG_5195.HEIC"),
    ("Android HEIF (Nokia 8.3, 15.9 MP)", "mobile_HMD_Nokia_8.3_5G.heif"),
)


def _timed(fn, data: bytes, repeats: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds (all threads of the process: libheif decodes on several) of
    `repeats` calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        started, started_cpu = time.perf_counter(), time.process_time()
        fn(data)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    return wall, cpu


def measure(repeats: int = 5) -> list[dict]:
    """Median ingest and floor times per file, in alternating rounds so that both see the same
    machine load. CPU time is the steadier figure when other work shares the machine."""
    results = []
    for label, name in FILES:
        path = PHOTOS / name
        if not path.exists():
            results.append({"file": name, "label": label, "status": "missing"})
            continue
        data = path.read_bytes()
        ingest(data), probe_floor(data)  # warm up: codec tables, ICC transforms, imports
        times = {"ingest": ([], []), "floor": ([], [])}
        for _ in range(repeats):
            for key, fn in (("ingest", ingest), ("floor", probe_floor)):
                wall, cpu = _timed(fn, data, 1)
                times[key][0].extend(wall)
                times[key][1].extend(cpu)
        med = {key: [statistics.median(v) * 1000 for v in pair] for key, pair in times.items()}
        results.append(
            {
                "file": name,
                "label": label,
                "status": "ok",
                "ingest_ms": round(med["ingest"][0], 1),
                "floor_ms": round(med["floor"][0], 1),
                "ratio": round(med["ingest"][0] / med["floor"][0], 2),
                "ingest_cpu_ms": round(med["ingest"][1], 1),
                "floor_cpu_ms": round(med["floor"][1], 1),
                "cpu_ratio": round(med["ingest"][1] / med["floor"][1], 2),
            }
        )
    return results
