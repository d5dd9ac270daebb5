"""Benchmarks at scale: `make bench` (or `.venv/bin/python bench/run.py [--quick]`).

Builds the 1x and 100x databases on SQLite and PostgreSQL, serves the app and a bare Flask
"hello" app with gunicorn on loopback, drives both with an asyncio client, and writes
bench/results.json plus a Markdown summary on stdout. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

import client  # noqa: E402
import databases  # noqa: E402
import report  # noqa: E402
from server import Server  # noqa: E402

PASSWORD = "demo-password-2026"  # noqa: S105 - the demo accounts' (inspect_app.demo)
AUTOSAVE_CLIENTS = 50
#: Seconds an inspector takes between two answers in the paced autosave run (a quick one:
#: 50 of them offer about 25 answers a second).
THINK = (1.0, 3.0)
PACED = "paced"  # the floor's key for the paced run
PAGE_CONCURRENCY = 2  # one request per core: latency is service time, throughput is capacity


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------- what to measure


class Plan:
    """The URLs of one database: discovered from the app's url map and the data itself."""

    def __init__(self, db: databases.Database) -> None:
        from flask import url_for

        from inspect_app import create_app
        from inspect_app.demo import FACTORIES
        from inspect_app.extensions import db as sqla
        from inspect_app.factories import uscc

        self.app = create_app({"SQLALCHEMY_DATABASE_URI": db.url, "UPLOAD_DIR": str(db.upload_dir)})
        self.endpoints = set(self.app.view_functions)
        with self.app.app_context():
            import sqlalchemy as sa

            from inspect_app.checklists import services as checklist_services
            from inspect_app.factories.models import Factory
            from inspect_app.inspections.models import Inspection, InspectionStatus

            subject = sqla.session.scalar(
                sa.select(Factory).where(Factory.uscc == uscc.complete(FACTORIES[0][0]))
            )
            self.factory_id = subject.id
            self.factory_name = subject.name_zh
            self.report_id = sqla.session.scalar(
                sa.select(Inspection.id)
                .where(
                    Inspection.factory_id == subject.id,
                    Inspection.status == InspectionStatus.SUBMITTED,
                )
                .order_by(Inspection.inspected_on.desc(), Inspection.id.desc())
                .limit(1)
            )
            version = checklist_services.get_version("score-module5")
            self.items = [i.id for i in checklist_services.definition_of(version).items()]
            self.all_factories = list(
                sqla.session.scalars(sa.select(Factory.id).order_by(Factory.id).limit(200))
            )
            from inspect_app.accounts.models import User
            from inspect_app.factories.services import scope_clause

            inspector = sqla.session.scalar(sa.select(User).where(User.username == "inspector"))
            self.inspector_factories = list(
                sqla.session.scalars(
                    sa.select(Factory.id)
                    .where(scope_clause(inspector))
                    .order_by(Factory.id)
                    .limit(AUTOSAVE_CLIENTS)
                )
            )
            sqla.session.remove()
            sqla.engine.dispose()
        try:
            from inspect_app.progress import render

            self.charts = list(render.CHARTS)
        except ImportError:
            self.charts = []
        self._url_for = url_for
        self.subject = {
            "factory_id": self.factory_id,
            "factory": self.factory_name,
            "report_inspection_id": self.report_id,
        }

    def has(self, endpoint: str) -> bool:
        return endpoint in self.endpoints

    def url(self, endpoint: str, **values) -> str:
        with self.app.test_request_context():
            return self._url_for(endpoint, **values)


# ---------------------------------------------------------------- measuring


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def summarize(samples: list[client.Sample], elapsed: float, cpu_s: float, **extra) -> dict:
    ok = [s for s in samples if s.status < 400]
    times = [s.seconds * 1000 for s in ok] or [0.0]
    sql = sorted({s.sql for s in ok if s.sql is not None})
    return {
        "status": "ok",
        "requests": len(samples),
        "errors": len(samples) - len(ok),
        "error_statuses": sorted({s.status for s in samples if s.status >= 400}),
        "p50_ms": round(_percentile(times, 0.50), 1),
        "p95_ms": round(_percentile(times, 0.95), 1),
        "p99_ms": round(_percentile(times, 0.99), 1),
        "mean_ms": round(statistics.fmean(times), 1),
        "rps": round(len(samples) / elapsed, 1) if elapsed else None,
        "kb": round(statistics.median([s.size for s in ok]) / 1024, 1) if ok else None,
        "sql": {"min": sql[0], "max": sql[-1]} if sql else None,
        "cpu_ms_per_request": round(cpu_s * 1000 / len(samples), 1) if samples else None,
        "loadavg": round(os.getloadavg()[0], 2),
        **extra,
    }


async def run_scenario(
    server: Server,
    make,
    *,
    concurrency: int,
    seconds: float,
    max_requests: int = 100_000,
    min_requests: int = 0,
    warmup: int = 0,
    keep=None,
    think: tuple[float, float] | None = None,
    **extra,
) -> dict:
    """Warm up, then load: `make(k, n)` sends request n of client k and returns a Response."""
    for n in range(warmup):
        await make(0, -1 - n)
    cpu = server.cpu_seconds()
    samples, elapsed = await client.load(
        make,
        concurrency=concurrency,
        seconds=seconds,
        max_requests=max_requests,
        min_requests=min_requests,
        think=think,
    )
    cpu = server.cpu_seconds() - cpu
    if keep is not None:
        samples = [s for s in samples if keep(s)]
    return summarize(samples, elapsed, cpu, concurrency=concurrency, **extra)


def ratios(result: dict, floor: dict) -> dict:
    """Each latency as a multiple of the floor's at the same concurrency; throughput share."""
    out = {}
    for key in ("p50_ms", "p95_ms", "p99_ms"):
        if result.get(key) and floor.get(key):
            out[key.removesuffix("_ms")] = round(result[key] / floor[key], 1)
    if result.get("rps") and floor.get("rps"):
        out["rps"] = round(result["rps"] / floor["rps"], 3)
    return out


async def measure_floor(hello: Server, seconds: float) -> dict:
    session = client.Session(hello.port)

    async def get(_k, _n):
        return await session.get("/hello")

    floors = {}
    for concurrency in (1, PAGE_CONCURRENCY, AUTOSAVE_CLIENTS):
        floors[concurrency] = await run_scenario(
            hello, get, concurrency=concurrency, seconds=seconds, warmup=6
        )
    floors[PACED] = await run_scenario(
        hello, get, concurrency=AUTOSAVE_CLIENTS, seconds=seconds * 3, think=THINK, warmup=6
    )
    await session.close()
    return floors


# ---------------------------------------------------------------- one database


async def measure_database(plan: Plan, server: Server, hello: Server, args) -> dict:
    port = server.port
    sessions = {}
    for role in ("inspector", "committee", "admin", "trainer"):
        sessions[role] = client.Session(port)
        await sessions[role].login(role, PASSWORD)
    inspector = sessions["inspector"]
    seconds = args.seconds
    results: dict[str, dict] = {}
    floors = await measure_floor(hello, seconds)

    def page(session: client.Session, path: str):
        async def get(_k, _n):
            return await session.get(path)

        return get

    async def timed(name, endpoint, session, path_fn, *, concurrency=PAGE_CONCURRENCY, **kw):
        if not plan.has(endpoint):
            results[name] = {"status": "not built yet", "endpoint": endpoint}
            return
        path = path_fn()
        log(f"  {name}: {path}")
        kw.setdefault("seconds", seconds)
        kw.setdefault("warmup", server.workers * 2)
        result = await run_scenario(
            server, page(session, path), concurrency=concurrency, endpoint=endpoint, path=path, **kw
        )
        result["ratio"] = ratios(result, floors[concurrency])
        results[name] = result

    # The inspection form: a score-module5 draft of the subject factory, 60 items answered and
    # three findings recorded, as it looks halfway through a visit.
    form_id = None
    if plan.has("api.create_inspection"):
        created = await inspector.send(
            "POST",
            "/api/v1/inspections",
            {"factory_id": plan.factory_id, "checklist": "score-module5", "kind": "score_visit"},
        )
        if created.status == 201:
            form_id = created.json()["id"]
            for n, item in enumerate(plan.items[:60]):
                await inspector.send(
                    "PUT",
                    f"/api/v1/inspections/{form_id}/answers/{item}",
                    {"value": ("no", "yes", "no", "priority")[n % 4], "note": ""},
                )
            for n, item in enumerate(plan.items[1:60:20]):
                await inspector.send(
                    "POST",
                    f"/api/v1/inspections/{form_id}/findings",
                    {
                        "item_id": item,
                        "title": f"基准测试隐患 {n + 1}",
                        "likelihood": 3,
                        "severity": 4,
                    },  # fmt: skip
                )
        else:
            log(f"could not start a draft: HTTP {created.status} {created.text[:300]}")
    if form_id:
        await timed(
            "form_page",
            "inspections.show_inspection",
            inspector,
            lambda: plan.url("inspections.show_inspection", inspection_id=form_id),
        )
        results["form_page"]["weight"] = await page_weight(
            inspector, plan.url("inspections.show_inspection", inspection_id=form_id)
        )
    else:
        results["form_page"] = {"status": "not built yet", "endpoint": "api.create_inspection"}

    fid = plan.factory_id
    await timed(
        "factory_page",
        "factories.show_factory",
        inspector,
        lambda: plan.url("factories.show_factory", factory_id=fid),
    )
    await timed(
        "action_board",
        "actions.board",
        sessions["committee"],
        lambda: plan.url("actions.board", factory_id=fid),
    )
    await timed(
        "progress_page",
        "progress.factory_progress",
        sessions["committee"],
        lambda: plan.url("progress.factory_progress", factory_id=fid),
    )
    await measure_charts(plan, server, sessions["admin"], results, floors, seconds)
    await timed(
        "region_overview",
        "progress.region_overview",
        inspector,
        lambda: plan.url("progress.region_overview"),
    )
    if plan.report_id:
        await timed(
            "report_pdf",
            "inspections.report_pdf",
            inspector,
            lambda: plan.url("inspections.report_pdf", inspection_id=plan.report_id),
            seconds=seconds * 2,
            max_requests=40,
            min_requests=6,
            warmup=server.workers,
        )
    # Further pages, for their statement counts (and a short timing).
    extra_seconds = max(1.5, seconds / 2)
    if plan.report_id:
        await timed(
            "report_page",
            "inspections.report",
            inspector,
            lambda: plan.url("inspections.report", inspection_id=plan.report_id),
            seconds=extra_seconds,
        )
    await timed(
        "factory_list",
        "factories.list_factories",
        inspector,
        lambda: plan.url("factories.list_factories"),
        seconds=extra_seconds,
    )
    await timed(
        "inspections_list",
        "inspections.list_inspections",
        inspector,
        lambda: plan.url("inspections.list_inspections"),
        seconds=extra_seconds,
    )
    await timed(
        "action_queue",
        "actions.queue",
        inspector,
        lambda: plan.url("actions.queue"),
        seconds=extra_seconds,
    )
    await timed(
        "case_library",
        "cases.library",
        sessions["trainer"],
        lambda: plan.url("cases.library"),
        seconds=extra_seconds,
    )
    await timed("home_inspector", "main.home", inspector, lambda: "/", seconds=extra_seconds)

    await measure_autosave(plan, server, inspector, results, floors, args)
    for name, floor in floors.items():
        floor["ratio"] = {}
        results[f"floor_c{name}"] = floor
    for session in sessions.values():
        await session.close()
    return results


_ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


async def page_weight(session: client.Session, path: str) -> dict:
    """What a tablet downloads for the page without photos: the HTML and every stylesheet and
    script it links, decoded (what tests/test_inspection_form.py holds to 150,000 bytes) and on
    the wire with `Accept-Encoding: gzip` (held to 50,000 bytes)."""
    gzip_only = {"Accept-Encoding": "gzip"}
    page = await session.get(path, headers=gzip_only)
    sizes = {"html": len(page.body)}
    wire = {"html": _wire_bytes(page)}
    for url in _ASSET.findall(page.text):
        asset = await session.get(url, headers=gzip_only)
        sizes[url] = len(asset.body)
        wire[url] = _wire_bytes(asset)
    total, on_wire = sum(sizes.values()), sum(wire.values())
    return {
        "bytes": total,
        "kb": round(total / 1024, 1),
        "gzip_bytes": on_wire,
        "gzip_kb": round(on_wire / 1024, 1),
        **sizes,
    }


def _wire_bytes(response: client.Response) -> int:
    """The body's size as sent: aiohttp decodes gzip, Content-Length counts the coded bytes."""
    if response.headers.get("content-encoding") and "content-length" in response.headers:
        return int(response.headers["content-length"])
    return len(response.body)


async def measure_charts(plan, server, admin, results, floors, seconds) -> None:
    if not plan.has("progress.chart_svg") or not plan.charts:
        results["chart_cold"] = {"status": "not built yet", "endpoint": "progress.chart_svg"}
        results["chart_cached"] = {"status": "not built yet", "endpoint": "progress.chart_svg"}
        return
    # Cold: every chart of every factory once (in zh and en), one at a time; only the
    # responses the server reports as cache misses count.
    targets = [
        (plan.url("progress.chart_svg", factory_id=f, name=name), lang)
        for f in plan.all_factories[:12]
        for name in plan.charts
        for lang in ("zh_CN", "en")
    ]
    langs = {lang: admin.sharing(lang) for lang in ("zh_CN", "en")}

    async def cold(_k, n):
        path, lang = targets[n % len(targets)]
        return await langs[lang].get(path)

    log(f"  chart_cold: {len(targets)} charts")
    result = await run_scenario(
        server,
        cold,
        concurrency=1,
        seconds=seconds * 4,
        max_requests=len(targets),
        keep=lambda s: s.headers.get("x-chart-cache", "miss") == "miss",
        path="/factories/<id>/charts/<name>.svg",
    )
    result["ratio"] = ratios(result, floors[1])
    results["chart_cold"] = result
    for session in langs.values():
        await session.close()

    path = plan.url("progress.chart_svg", factory_id=plan.factory_id, name=plan.charts[0])

    async def cached(_k, _n):
        return await admin.get(path)

    log(f"  chart_cached: {path}")
    result = await run_scenario(
        server,
        cached,
        concurrency=PAGE_CONCURRENCY,
        seconds=seconds,
        warmup=server.workers * 4,
        keep=lambda s: s.headers.get("x-chart-cache", "hit") == "hit",
        path=path,
    )
    result["ratio"] = ratios(result, floors[PAGE_CONCURRENCY])
    results["chart_cached"] = result


async def measure_autosave(plan, server, inspector, results, floors, args) -> None:
    """50 inspectors answering at once, each on a draft of their own."""
    if not plan.has("api.put_answer"):
        results["autosave"] = {"status": "not built yet", "endpoint": "api.put_answer"}
        return
    scope = plan.inspector_factories or [plan.factory_id]
    drafts = []
    for k in range(AUTOSAVE_CLIENTS):  # spread over the factories the inspector covers
        created = await inspector.send(
            "POST",
            "/api/v1/inspections",
            {
                "factory_id": scope[k % len(scope)],
                "checklist": "score-module5",
                "kind": "score_visit",
            },
        )
        if created.status != 201:
            raise client.HttpError(f"start a draft: HTTP {created.status} {created.text[:300]}")
        drafts.append(created.json()["id"])
    values = ("no", "yes", "priority")
    items = plan.items

    async def put(k, n):
        item = items[abs(n) % len(items)]
        return await inspector.send(
            "PUT",
            f"/api/v1/inspections/{drafts[k]}/answers/{item}",
            {"value": values[abs(n) % 3], "note": ""},
        )

    log(f"  autosave: {AUTOSAVE_CLIENTS} clients")
    result = await run_scenario(
        server,
        put,
        concurrency=AUTOSAVE_CLIENTS,
        seconds=args.seconds * 2,
        warmup=server.workers * 2,
        endpoint="api.put_answer",
        path="/api/v1/inspections/<id>/answers/<item>",
    )
    result["ratio"] = ratios(result, floors[AUTOSAVE_CLIENTS])
    results["autosave"] = result

    log(f"  autosave_paced: {AUTOSAVE_CLIENTS} clients, {THINK[0]}–{THINK[1]} s between answers")
    result = await run_scenario(
        server,
        put,
        concurrency=AUTOSAVE_CLIENTS,
        seconds=args.seconds * 3,
        think=THINK,
        endpoint="api.put_answer",
        path="/api/v1/inspections/<id>/answers/<item>",
    )
    result["ratio"] = ratios(result, floors[PACED])
    results["autosave_paced"] = result


# ---------------------------------------------------------------- the whole run


def machine() -> dict:
    def git(*a):
        out = subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True, check=False)
        return out.stdout.strip()

    import sqlalchemy

    return {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty_files": len(git("status", "--porcelain").splitlines()),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "sqlalchemy": sqlalchemy.__version__,
        "loadavg_start": [round(x, 2) for x in os.getloadavg()],
    }


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1x on SQLite only, short runs")
    parser.add_argument("--db", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--scale", choices=tuple(databases.SCALES), action="append")
    parser.add_argument("--seconds", type=float, default=5.0, help="per page scenario")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (2-4)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the databases")
    parser.add_argument("--no-photos", action="store_true", help="skip the photo ingest runs")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.db, args.scale = args.db or ["sqlite"], args.scale or ["1x"]
        args.seconds = min(args.seconds, 2.5)
    args.db = args.db or ["sqlite", "postgresql"]
    args.scale = args.scale or list(databases.SCALES)
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    (HERE / "data").mkdir(exist_ok=True)
    results = {"meta": machine(), "args": vars(args) | {"out": str(args.out)}, "runs": {}}
    if "postgresql" in args.db and not databases.postgres_available():
        log("PostgreSQL is not reachable: measuring SQLite only")
        args.db = [d for d in args.db if d != "postgresql"]
    hello_env = dict(os.environ)
    with Server("hello:app", env=hello_env, workers=args.workers, cwd=HERE) as hello:
        for kind in args.db:
            for scale in args.scale:
                name = f"{kind}-{scale}"
                build = (
                    databases.sqlite_database if kind == "sqlite" else databases.postgres_database
                )
                db = build(scale, rebuild=args.rebuild, log=log)
                log(f"measuring {name} (workers={args.workers})")
                plan = Plan(db)
                env = databases.server_environment(db)
                try:
                    with Server("wsgi:app", env=env, workers=args.workers) as server:
                        pages = asyncio.run(measure_database(plan, server, hello, args))
                        memory = server.memory()
                finally:
                    databases.drop_run_database(db)
                results["runs"][name] = {
                    "database": {"kind": kind, "scale": scale, **db.build},
                    "subject": plan.subject,
                    "pages": pages,
                    "memory": memory,
                }
        results["hello_memory"] = hello.memory()
    if not args.no_photos:
        import ingest

        log("photo ingest …")
        results["photo_ingest"] = ingest.measure(repeats=5 if args.quick else 9)
    results["meta"]["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    results["meta"]["seconds"] = round(time.perf_counter() - started, 1)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    summary = report.markdown(results)
    (HERE / "data" / "summary.md").write_text(summary)
    print(summary)
    log(f"done in {results['meta']['seconds']} s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
