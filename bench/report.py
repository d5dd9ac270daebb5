"""results.json → Markdown tables, and each of the issue's targets: met or not."""

from __future__ import annotations

#: Measured pages in display order, with their labels.
PAGES = (
    ("form_page", "Inspection form (score-module5 draft, 60 of 69 answered)"),
    ("autosave", "Answer autosave PUT (50 clients, flat out)"),
    ("autosave_paced", "Answer autosave PUT (50 inspectors, 1–3 s between answers)"),
    ("factory_page", "Factory page"),
    ("action_board", "Committee's action board"),
    ("progress_page", "Factory progress page"),
    ("chart_cold", "Chart SVG, cold (cache miss)"),
    ("chart_cached", "Chart SVG, cached"),
    ("region_overview", "Region overview (inspector)"),
    ("report_pdf", "Report PDF"),
    ("report_page", "Report page (HTML)"),
    ("factory_list", "Factory list"),
    ("inspections_list", "Inspections list"),
    ("action_queue", "Inspector's action queue"),
    ("case_library", "Case library (trainer)"),
    ("home_inspector", "Home (inspector)"),
    ("floor_c1", "Floor: Flask hello, 1 client"),
    ("floor_c2", "Floor: Flask hello, 2 clients"),
    ("floor_c50", "Floor: Flask hello, 50 clients"),
    ("floor_cpaced", "Floor: Flask hello, 50 clients, 1–3 s apart"),
)
LABELS = dict(PAGES)
#: The pages whose p95 must stay ≤ 100 ms at 100x and ≤ 1.3x their 1x time.
TARGET_PAGES = (
    "form_page",
    "factory_page",
    "action_board",
    "progress_page",
    "chart_cold",
    "chart_cached",
    "region_overview",
    "report_pdf",
)
PAGE_P95_MS = 100
PAGE_GROWTH = 1.3
AUTOSAVE_FLOOR_RATIO = 3
INGEST_FLOOR_RATIO = 1.3
CACHED_CHART_MS = 10
FORM_PAGE_BYTES = 150_000  # as tests/test_inspection_form.py counts it
FORM_PAGE_WIRE_BYTES = 50_000  # gzipped on the wire, as the same test file counts it


def _fmt(value, suffix="") -> str:
    if value is None:
        return "–"
    return f"{value:g}{suffix}" if isinstance(value, float | int) else str(value)


def _sql(result: dict) -> str:
    sql = result.get("sql")
    if not sql:
        return "–"
    return str(sql["min"]) if sql["min"] == sql["max"] else f"{sql['min']}–{sql['max']}"


def run_table(run: dict) -> list[str]:
    lines = [
        "| page | p50 ms | p95 ms | p99 ms | req/s | p95 × floor | SQL/req | KB | CPU ms/req "
        "| errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for key, label in PAGES:
        result = run["pages"].get(key)
        if result is None:
            continue
        if result.get("status") != "ok":
            lines.append(f"| {label} | not built yet | | | | | | | | |")
            continue
        ratio = result.get("ratio", {}).get("p95")
        lines.append(
            f"| {label} | {_fmt(result['p50_ms'])} | {_fmt(result['p95_ms'])} "
            f"| {_fmt(result['p99_ms'])} | {_fmt(result['rps'])} | {_fmt(ratio, '×')} "
            f"| {_sql(result)} | {_fmt(result['kb'])} | {_fmt(result['cpu_ms_per_request'])} "
            f"| {result['errors']} |"
        )
    return lines


def scaling_table(results: dict) -> list[str]:
    runs = results["runs"]
    kinds = sorted({r["database"]["kind"] for r in runs.values()}, reverse=True)
    header = "| page |"
    rule = "| --- |"
    for kind in kinds:
        header += f" {kind} 1× p95 | {kind} 100× p95 | 100×/1× | SQL 1× → 100× |"
        rule += " ---: | ---: | ---: | ---: |"
    lines = [header, rule]
    for key, label in PAGES:
        if key.startswith("floor"):
            continue
        row = f"| {label} |"
        for kind in kinds:
            small = runs.get(f"{kind}-1x", {}).get("pages", {}).get(key, {})
            large = runs.get(f"{kind}-100x", {}).get("pages", {}).get(key, {})
            p_small, p_large = small.get("p95_ms"), large.get("p95_ms")
            growth = round(p_large / p_small, 2) if p_small and p_large else None
            row += (
                f" {_fmt(p_small)} | {_fmt(p_large)} | {_fmt(growth, '×')} "
                f"| {_sql(small)} → {_sql(large)} |"
            )
        lines.append(row)
    return lines


def targets(results: dict) -> list[tuple[str, str, bool | None, str]]:
    """(target, where, met?, figures) for every target of the issue that the run measured."""
    out = []
    runs = results["runs"]
    for name, run in runs.items():
        for key, how in (("autosave", "flat out"), ("autosave_paced", "human pace")):
            autosave = run["pages"].get(key, {})
            if autosave.get("status") != "ok":
                continue
            ratio = autosave["ratio"].get("p95")
            met = ratio is not None and ratio <= AUTOSAVE_FLOOR_RATIO and autosave["errors"] == 0
            out.append(
                (
                    f"autosave p95 ≤ 3× floor, 50 clients ({how}), no errors",
                    name,
                    met,
                    f"p95 {autosave['p95_ms']} ms = {ratio}× floor; {autosave['errors']} errors",
                )
            )
        form = run["pages"].get("form_page", {})
        if form.get("status") == "ok":
            weight = form.get("weight") or {"bytes": None, "kb": None}
            out.append(
                (
                    "form page (HTML + its CSS and JS) ≤ 150,000 bytes without photos",
                    name,
                    weight["bytes"] is not None and weight["bytes"] <= FORM_PAGE_BYTES,
                    f"{weight['bytes']} bytes ({weight['kb']} KB); the HTML alone {form['kb']} KB",
                )
            )
            wire = weight.get("gzip_bytes")
            out.append(
                (
                    "form page on the wire (gzip) ≤ 50,000 bytes",
                    name,
                    wire is not None and wire <= FORM_PAGE_WIRE_BYTES,
                    f"{wire} bytes ({weight.get('gzip_kb')} KB)",
                )
            )
        cached = run["pages"].get("chart_cached", {})
        if cached.get("status") == "ok":
            out.append(
                (
                    "cached chart ≤ 10 ms",
                    name,
                    cached["p95_ms"] <= CACHED_CHART_MS,
                    f"p95 {cached['p95_ms']} ms (p50 {cached['p50_ms']})",
                )
            )
    for kind in ("sqlite", "postgresql"):
        large = runs.get(f"{kind}-100x")
        small = runs.get(f"{kind}-1x")
        if not large:
            continue
        for key in TARGET_PAGES:
            result = large["pages"].get(key, {})
            if result.get("status") != "ok":
                continue
            p95 = result["p95_ms"]
            base = (small or {}).get("pages", {}).get(key, {}).get("p95_ms")
            growth = round(p95 / base, 2) if base else None
            met = p95 <= PAGE_P95_MS and (growth is None or growth <= PAGE_GROWTH)
            out.append(
                (
                    f"{LABELS[key]}: p95 ≤ 100 ms at 100× and ≤ 1.3× its 1× time",
                    kind,
                    met,
                    f"p95 {p95} ms at 100×; {growth}× the 1× {base} ms",
                )
            )
        for key, _label in PAGES:
            a = (small or {}).get("pages", {}).get(key, {}).get("sql")
            b = large["pages"].get(key, {}).get("sql")
            if a and b:
                # A range (7–9) is the same request in different states (the first answer
                # inserts, a change updates; charts differ by kind): what must not happen is
                # that the range moves when the data grows.
                same = a == b
                out.append(
                    (
                        f"{LABELS[key]}: constant statements",
                        kind,
                        same,
                        f"{_sql({'sql': a})} at 1×, {_sql({'sql': b})} at 100×",
                    )
                )
    for photo in results.get("photo_ingest", []):
        if photo.get("status") == "ok":
            cpu_ratio = photo.get("cpu_ratio", photo["ratio"])
            out.append(
                (
                    "photo ingest ≤ 1.3× bare Pillow (CPU time; wall time beside it)",
                    photo["label"],
                    cpu_ratio <= INGEST_FLOOR_RATIO,
                    f"CPU {photo.get('ingest_cpu_ms')} vs {photo.get('floor_cpu_ms')} ms = "
                    f"{cpu_ratio}×; wall {photo['ingest_ms']} vs {photo['floor_ms']} ms = "
                    f"{photo['ratio']}×",
                )
            )
    return out


def markdown(results: dict) -> str:
    meta = results["meta"]
    dirty = f" + {meta['dirty_files']} uncommitted files" if meta["dirty_files"] else ""
    lines = [
        f"# Benchmark results ({meta['when']}, commit {meta['commit']}{dirty})",
        "",
        f"{meta['cpus']} CPUs, {meta['memory_gb']} GB; load average {meta['loadavg_start'][0]} at "
        f"the start, {meta.get('loadavg_end', ['?'])[0]} at the end; "
        f"{results['args']['workers']} gunicorn sync workers; run took {meta.get('seconds')} s.",
        "",
    ]
    for name, run in results["runs"].items():
        database = run["database"]
        rows = database.get("rows", {})
        memory = run["memory"]
        each = ", ".join(map(str, memory["peak_rss_mb_each"]))
        lines += [
            f"## {name}",
            "",
            f"Data: {rows.get('factories', '?')} factories, {rows.get('inspections', '?')} "
            f"inspections, {rows.get('answers', '?')} answers, {rows.get('findings', '?')} "
            f"findings, {rows.get('actions', '?')} actions. Subject: factory "
            f"{run['subject']['factory_id']} ({run['subject']['factory']}). Peak RSS per worker: "
            f"{memory['peak_rss_mb_max']} MB ({each}).",
            "",
            *run_table(run),
            "",
        ]
    if len(results["runs"]) > 1:
        lines += ["## 1× → 100×", "", *scaling_table(results), ""]
    if results.get("photo_ingest"):
        lines += [
            "## Photo ingest",
            "",
            "| photo | ingest ms | bare Pillow ms | ratio | ingest CPU ms | bare Pillow CPU ms "
            "| CPU ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for photo in results["photo_ingest"]:
            if photo.get("status") == "ok":
                lines.append(
                    f"| {photo['label']} | {photo['ingest_ms']} | {photo['floor_ms']} "
                    f"| {photo['ratio']}× | {photo.get('ingest_cpu_ms')} "
                    f"| {photo.get('floor_cpu_ms')} | {photo.get('cpu_ratio')}× |"
                )
        lines.append("")
    lines += ["## Targets", "", "| target | where | met | figures |", "| --- | --- | --- | --- |"]
    for target, where, met, figures in targets(results):
        lines.append(f"| {target} | {where} | {'yes' if met else '**no**'} | {figures} |")
    return "\n".join(lines) + "\n"
