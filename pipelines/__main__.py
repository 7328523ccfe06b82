"""Command line: python -m pipelines load|demo|loads|undo|check|build|tables|table|probe|fetch|refresh|reaggregate|
report."""

from __future__ import annotations

import argparse
import errno
import json
import os
import re
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines import aggregates, build, config, danish, integrity, loader, readers, review, snapshots
from pipelines.errors import ExtractRejected, PipelineError
from pipelines.kinds import KINDS
from pipelines.writer import write_session

# Commands that hold the master (and the writer role) for their whole length, in one write session that
# publishes a snapshot for the app when they changed it. fetch and refresh take sessions only to load.
SESSION_COMMANDS = {"load", "confirm", "demo", "undo", "check", "build", "publish", "reaggregate"}


def _bar(label: str, fraction: float) -> None:
    width = 30
    done = int(width * max(0.0, min(1.0, fraction)))
    sys.stderr.write(f"\r[{'#' * done}{'.' * (width - done)}] {fraction:4.0%} {label[:40]:<40}")
    if fraction >= 1.0:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _missing_files(files: list[str]) -> list[str]:
    """A mistyped path is one line, not a rejection report; said before the warehouse is opened."""
    missing = [path for path in files if not Path(path).is_file()]
    for path in missing:
        print(f"fejl: {path} findes ikke eller er ikke en fil; intet er indlæst", file=sys.stderr)
    return missing


def _say(**event) -> None:
    """``--progress json``: one JSON object per line on stdout (the app's load jobs read them)."""
    print(json.dumps(event, ensure_ascii=False, default=str), flush=True)


def _json_progress(step: str, fraction: float) -> None:
    _say(progress=step, fraction=round(fraction, 3))


def cmd_load(args, con) -> int:
    failed = len(args.missing)
    timings = []
    as_json = args.progress == "json"
    if args.pending:
        loader.abandon_stale(con)  # before a new one: the disk that forgotten reviews hold comes back
    try:
        for path in args.files:
            if path in args.missing:
                continue
            name = args.name or Path(path).name
            try:
                result = loader.load(
                    Path(path),
                    args.kind,
                    source=args.source,
                    con=con,
                    progress=_json_progress if as_json else _bar,
                    sheet=args.sheet,
                    file_name=name,
                    max_rows=args.max_rows,
                    digest=args.digest,
                    pending=args.pending,
                )
            except ExtractRejected as exc:
                failed += 1
                if as_json:
                    shown = review.Review(name, False, problems=exc.problems, warnings=exc.warnings)
                    shown.sheets = _sheets(Path(path), name)
                    _say(review=shown.to_json())
                    continue
                sys.stderr.write("\n")
                print(f"AFVIST: {path} ({len(exc.problems)} fejl; intet er indlæst)", file=sys.stderr)
                for p in exc.problems:
                    print(f"  - {p}", file=sys.stderr)
                continue
            if as_json:
                _say_loaded(result, Path(path), name)
                continue
            _report(result)
            timings.append(
                {"file": result.file_name, "route": result.route, "rows": result.rows, "seconds": result.timings}
            )
    finally:
        if args.timings:
            Path(args.timings).write_text(json.dumps(timings, indent=1), encoding="utf-8")
    return 1 if failed else 0


def _sheets(path: Path, name: str) -> list[str]:
    """A workbook's sheets for the app's sheet picker; [] for other files and for one that cannot be read."""
    try:
        return readers.sheet_names(path, name)
    except ExtractRejected:
        return []


def _say_loaded(result: loader.LoadResult, path: Path, name: str) -> None:
    if result.review is not None and not result.skipped_identical:  # a pending load: its review
        shown = review.shown(result.file_name, result.review)
        shown.load_id, shown.sheets = result.load_id, _sheets(path, name)
        _say(review=shown.to_json())
    else:
        _say(loaded=_outcome(result))


def _outcome(result: loader.LoadResult) -> dict:
    return {
        "load_id": result.load_id,
        "rows": result.rows,
        "replaced_rows": result.replaced_rows,
        "skipped_identical": result.skipped_identical,
        "file_name": result.file_name,
    }


def cmd_confirm(args, con) -> int:
    result = loader.confirm(con, args.load_id)
    if args.progress == "json":
        _say(committed=result.load_id)  # before the publish, which may still fail (a full disk)
        args.outcome = _outcome(result)
    else:
        _report(result)
    return 0


def cmd_demo(args, con) -> int:
    results = build.load_demo(
        con, scale=args.scale, until=args.until, out_dir=Path(args.out) if args.out else None, progress=_bar
    )
    build.load_seed(con)  # the published figures win over the synthetic rows they overlap
    _bar("færdig", 1.0)
    total = sum(r.rows for r in results)
    print(f"demodata indlæst: {len(results)} filer, {danish.number(total)} rækker (kilde: {config.DEMO_SOURCE})")
    return 0


def cmd_loads(args) -> int:
    # What the app shows: the published snapshot, read without waiting for a writer.
    reader = snapshots.SnapshotReader()
    try:
        snap = reader.current()
        rows = snap.con.execute(
            "select load_id, kind, rows, loaded_at, loaded_by, source, file_name from loads order by load_id"
        ).fetchall()
    finally:
        reader.close()
    print(f"offentliggjort {snap.snapshot.published_at:%Y-%m-%d %H:%M:%S} ({snap.snapshot.name})")
    print(f"{'id':>5}  {'type':<12} {'rækker':>12}  {'indlæst':<19}  {'af':<12} {'kilde':<22} fil")
    for load_id, kind, n, at, by, source, name in rows:
        print(f"{load_id:>5}  {kind:<12} {danish.number(n):>12}  {at:%Y-%m-%d %H:%M:%S}  {by:<12} {source:<22} {name}")
    return 0


def cmd_undo(args, con) -> int:
    removed = loader.undo(con, args.load_id)
    if args.progress == "json":
        args.outcome = {"undone": args.load_id, "rows": removed}
    else:
        print(f"indlæsning {args.load_id} fortrudt: {danish.number(removed)} rækker fjernet")
    return 0


def cmd_check(args, con) -> int:
    findings = integrity.check(con)
    counts = con.execute("select kind, count(*), sum(rows) from loads group by kind order by kind").fetchall()
    for kind, n, rows in counts:
        print(f"{kind:<12} {n:>4} indlæsninger {danish.number(int(rows)):>12} rækker")
    if findings:
        print("PROBLEMER:")
        for f in findings:
            print(f"  - {f}")
        return 1
    print("ok: lageret er konsistent")
    return 0


def _report(result: loader.LoadResult) -> None:
    for w in result.warnings:
        print(f"  advarsel: {w}")
    if result.skipped_identical:
        print(f"{result.file_name}: identisk med indlæsning {result.load_id}; intet ændret")
    else:
        route = "direkte fra filen" if result.route == "direct" else "læst, kontrolleret og indlæst trinvis"
        print(
            f"{result.file_name}: indlæsning {result.load_id}, {result.kind}, {danish.number(result.rows)} rækker"
            f" ({danish.number(result.replaced_rows)} erstattet; {route})"
        )
        for line in result.kept:
            print(f"  {line}")


def cmd_tables(args) -> int:
    from pipelines import jobindsats

    mapped = jobindsats.mapping()
    with jobindsats.Client() as client:
        tables = client.catalogue().tables()
    needle = (args.search or "").lower()
    for table_id, (t, subject, group) in tables.items():
        if needle and needle not in f"{table_id} {t.table_name} {subject} {group}".lower():
            continue
        mark = "*" if table_id in mapped else " "
        updated = f", opdateret {t.update_latest:%d.%m.%Y}" if t.update_latest else ""
        upcoming = f", næste {t.update_next:%d.%m.%Y}" if t.update_next else ""
        print(f"{mark} {table_id:<10} {t.table_name}  ({subject}{updated}{upcoming})")
    print("* = kortlagt i data/jobindsats_mapping.csv (kan hentes og indlæses)")
    return 0


def cmd_table(args) -> int:
    from pipelines import jobindsats
    from pipelines.jobindsats.model import span

    with jobindsats.Client() as client:
        meta = client.table(args.table)
    print(f"{meta.table_id}:")
    for ptype, ids in meta.periods.items():
        print(f"  perioder {ptype}: {span(ids)} ({len(ids)})")
    for d in meta.reply.dimensions:
        for h in d.hierarchies:
            values = h.values
            shown = ", ".join(f"{v.value_name} ({v.value_id})" for v in values[:4])
            more = f", … ({len(values)} i alt)" if len(values) > 4 else ""
            print(f"  dimension {d.dimension_id}, hierarki {h.hierarchy_id}: {shown}{more}")
    for group_id, name in meta.mgroups.items():
        print(f"  målegruppe {group_id}: {name}")
    return 0


def _api_bar(step: str, fraction: float) -> None:
    _bar(step, min(fraction, 0.99))


def cmd_fetch(args) -> int:
    from pipelines import jobindsats, refresh

    areas = "*" if args.area.strip() == "*" else [a.strip() for a in args.area.split(",") if a.strip()]
    # Everything is fetched before the warehouse is opened: a failed fetch never holds (or touches) it.
    with jobindsats.Client() as client:
        fetched = jobindsats.fetch(client, args.table, areas, args.period, progress=_api_bar)
    try:
        with _session() as con:
            result = refresh.load_fetched(con, fetched, progress=_api_bar)
    except ExtractRejected as exc:
        sys.stderr.write("\n")
        print(
            f"AFVIST: {fetched.table_id} fra jobindsats ({len(exc.problems)} fejl; intet er indlæst)", file=sys.stderr
        )
        for p in exc.problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    _bar("færdig", 1.0)
    _report(result)
    for note in fetched.notes:
        print(f"  {note}")
    return 0


def cmd_probe(args) -> int:
    from pipelines.jobindsats import Client, probe

    folder = Path(args.out) if args.out else None
    with Client(keep_all_replies=True) as client:
        lines, saved = probe.probe(client, args.tables.split(",") if args.tables else None, folder)
    for line in probe.describe(lines, saved):
        print(line, flush=True)
    return 0 if all(line.ok for line in lines) else 1


def cmd_refresh(args) -> int:
    from pipelines import refresh

    def line(result: refresh.TableRefresh) -> None:
        print(result.line(), flush=True)

    def run_once() -> int:
        results = refresh.refresh(
            tables=args.tables.split(",") if args.tables else None,
            revision=args.revision,
            initial=args.initial,
            report=line,
            session=_session,
        )
        failed = [r for r in results if r.status in ("failed", "not_run")]
        fetched = [r for r in results if r.status == "fetched"]
        print(
            f"opdatering {datetime.now():%Y-%m-%d %H:%M:%S}: {len(fetched)} hentet, "
            f"{sum(r.status == 'current' for r in results)} allerede opdateret, "
            f"{len(failed)} fejlet eller ikke kørt",
            flush=True,
        )
        return 1 if failed else 0

    if not args.every:
        return run_once()
    interval = _interval_seconds(args.every)
    stop = {"now": False}

    def on_term(signum, frame):
        # Never mid-load: the flag is read between runs; a run in progress finishes first.
        stop["now"] = True
        print("stopper efter denne opdatering (SIGTERM)", flush=True)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    status = 0
    while not stop["now"]:
        try:
            status = run_once()
        except PipelineError as exc:  # e.g. the writer role not had in time: try again next interval
            print(f"fejl: {exc}", flush=True)
            status = 1
        deadline = time.monotonic() + interval
        while not stop["now"] and time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
    return status


def _interval_seconds(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match or float(match.group(1)) <= 0:
        raise PipelineError(f"--every '{text}' forstås ikke: forventede fx 6h, 30m, 90s eller 1d")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _waiting(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _yield_cpu() -> None:
    """A command-line writer runs beside the app: lower its CPU priority (HELHEDSBLIK_WRITER_NICE, default 10,
    0 keeps it), so that pages stay quick while it loads; alone on the machine it runs as fast as before."""
    nice = config.settings().writer_nice
    if nice > 0:
        os.nice(nice)


def _session(as_json: bool = False):
    """The CLI's write session: waiting and publishing are told on stderr (with ``as_json``, on stdout as JSON)."""
    if as_json:
        return write_session(on_wait=lambda text: _say(wait=text), on_publish=lambda step: _json_progress(step, 0.98))
    return write_session(on_wait=_waiting, on_publish=_waiting)


def _disk_message(exc: BaseException) -> str:
    """A write that failed on the disk, in Danish (a full disk said so)."""
    if getattr(exc, "errno", None) == errno.ENOSPC or "no space left" in str(exc).lower():
        return "disken er fuld"
    return f"disken kunne ikke skrives ({getattr(exc, 'strerror', None) or exc})"


def cmd_reaggregate(args, con) -> int:
    aggregates.reaggregate(con)
    print("sidernes aggregater er bygget igen")
    return 0


def cmd_build(args, con) -> int:
    built = build.ensure_built(con)
    print("lageret er bygget" if built else "lageret fandtes allerede")
    return 0


def cmd_publish(args, con) -> int:
    return 0  # the session publishes when the current snapshot is behind the master; main() says which is current


def cmd_report(args) -> int:
    """The council report for one municipality or all of them, read from the published snapshot."""
    # Imported here: the other commands need neither Streamlit nor the report's typesetting.
    import streamlit.logger

    # The queries run outside a Streamlit script run (they read the newest snapshot); say nothing about it.
    streamlit.logger.set_log_level("error")
    from presentation import report, sections

    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in report.FORMATS]
    if unknown or not formats:
        print(f"fejl: ukendt format {', '.join(unknown) or '(intet)'}; brug pdf, docx eller pdf,docx", file=sys.stderr)
        return 2
    known = sections.municipalities()
    codes = known if args.area == "all" else [a.strip() for a in args.area.split(",") if a.strip()]
    # Regions and the country are not municipalities, but a report for them is still a report.
    known = [*known, *sections.other_areas()]
    if missing := [c for c in codes if c not in known]:
        print(f"fejl: ukendt kommunekode {', '.join(missing)}; brug fx 751 (Aarhus) eller all", file=sys.stderr)
        return 2
    first, last = sections.default_months()
    last = args.period or last
    first = args.first or min(first, last)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for i, code in enumerate(codes):
        _bar(f"{code} {len(codes) - i} tilbage", i / len(codes))
        built = report.build(report.Choice(code, first, last))
        for suffix, content in report.render(built, formats).items():
            (out / report.file_name(built.area, code, suffix, last)).write_bytes(content)
        sections.forget()  # memory stays flat over 98 reports
    _bar(f"{len(codes)} rapporter i {out}", 1.0)
    return 0


def _in_session(args, as_json: bool) -> int:
    """A command that holds the master (SESSION_COMMANDS), in one write session."""
    if args.command == "load":
        args.missing = _missing_files(args.files)
        if len(args.missing) == len(args.files):
            return 1
    with _session(as_json) as con:
        status = args.func(args, con)
    if args.outcome is not None:  # told once the session has published
        _say(**({"loaded": args.outcome} if args.command == "confirm" else args.outcome))
    if args.command in ("build", "publish"):
        snap = snapshots.current()
        print(f"offentliggjort: {snap.path} ({snap.published_at:%Y-%m-%d %H:%M:%S})")
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description="Helhedsblik warehouse")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("load", help="validate and load extracts")
    p.add_argument("files", nargs="+")
    p.add_argument("--kind", choices=sorted(KINDS))
    p.add_argument(
        "--sheet",
        metavar="NAME_OR_NUMBER",
        help="the sheet of an Excel file to read, by name or number (1 is the first; the default)",
    )
    p.add_argument("--source", default="upload (CLI)")
    p.add_argument("--timings", metavar="FILE", help="write each load's seconds per phase to FILE (JSON)")
    p.add_argument(
        "--pending", action="store_true", help="load and check, but wait for `confirm` (or `undo`) before it counts"
    )
    p.add_argument("--name", help="the file's name as its owner knows it (an upload's), for the log and messages")
    p.add_argument("--max-rows", type=int, help="refuse a file of more lines (the app's upload limit)")
    p.add_argument("--digest", help="the file's digest, when it is known already (an upload's, taken as it came)")
    p.add_argument("--progress", choices=("bar", "json"), default="bar", help="json: one JSON object per line")
    p.set_defaults(func=cmd_load)
    p = sub.add_parser("confirm", help="confirm a pending load (see load --pending)")
    p.add_argument("load_id", type=int)
    p.add_argument("--progress", choices=("bar", "json"), default="bar")
    p.set_defaults(func=cmd_confirm)
    p = sub.add_parser("demo", help="generate and load the synthetic national demo")
    p.add_argument("--scale", type=int, default=1)
    p.add_argument("--until", help="last month, e.g. 2026M09 (default: last month)")
    p.add_argument("--out", help="where to write the demo extracts (default data/demo)")
    p.set_defaults(func=cmd_demo)
    sub.add_parser("loads", help="list loads").set_defaults(func=cmd_loads)
    p = sub.add_parser("undo", help="undo a load, or abandon a pending one")
    p.add_argument("load_id", type=int)
    p.add_argument("--progress", choices=("bar", "json"), default="bar")
    p.set_defaults(func=cmd_undo)
    sub.add_parser("check", help="integrity report").set_defaults(func=cmd_check)
    sub.add_parser("build", help="build the default warehouse if it is empty, and publish it").set_defaults(
        func=cmd_build
    )
    sub.add_parser("publish", help="publish the master for the app if the current snapshot is behind it").set_defaults(
        func=cmd_publish
    )
    sub.add_parser("reaggregate", help="rebuild the page aggregates from the facts").set_defaults(func=cmd_reaggregate)
    p = sub.add_parser("tables", help="the jobindsats API v3 catalogue (mapped tables marked *)")
    p.add_argument("--search", help="only tables whose id, name or subject contains this text")
    p.set_defaults(func=cmd_tables)
    p = sub.add_parser(
        "probe",
        help="ask jobindsats' API v3 for the catalogue, each mapped table's metadata and a little data; check them "
        "against the mapping; save every reply (without the key) for a bug report",
    )
    p.add_argument("--tables", help="comma list of table ids (default: every mapped table)")
    p.add_argument(
        "--out", metavar="FOLDER", help="where to save the replies (default: a new folder in jobindsats-svar/)"
    )
    p.set_defaults(func=cmd_probe)
    p = sub.add_parser("table", help="a jobindsats table's metadata: periods, dimensions, hierarchies, measure groups")
    p.add_argument("table", help="e.g. y60a02")
    p.set_defaults(func=cmd_table)
    p = sub.add_parser("fetch", help="fetch a mapped table from the jobindsats API v3 and load it")
    p.add_argument("--table", required=True, help="e.g. y60a02 (see `tables`)")
    p.add_argument("--area", default="*", help="comma list of areas by name or code (Aarhus,Randers or 751), or *")
    p.add_argument(
        "--period",
        default="latest:24",
        help="latest:24 (the last 24), 2024M01, 2024M01-2024M12 or a comma list (default latest:24)",
    )
    p.set_defaults(func=cmd_fetch)
    p = sub.add_parser("refresh", help="bring every mapped table up to its newest period, plus a revision window")
    p.add_argument("--tables", help="comma list of table ids (default: every mapped table)")
    p.add_argument(
        "--revision",
        type=int,
        default=3,
        help="how many already loaded periods to fetch again, as jobindsats revises backwards (default 3)",
    )
    p.add_argument(
        "--initial",
        type=int,
        default=24,
        help="how many periods to fetch for a table never loaded from the API (default 24)",
    )
    p.add_argument(
        "--every",
        metavar="INTERVAL",
        help="keep running and refresh every INTERVAL (6h, 30m, 1d); SIGTERM stops it between runs",
    )
    p.set_defaults(func=cmd_refresh)
    p = sub.add_parser(
        "report", help="the council report (Rapport til udvalget) as PDF and Word, from the published data"
    )
    p.add_argument(
        "--area", required=True, help="a municipality's code (751), a comma list, or all (every municipality)"
    )
    p.add_argument("--period", help="the report's month, e.g. 2026M09 (default: the month the app opens on)")
    p.add_argument("--from", dest="first", help="first month of the series over time (default: as the app, 2012M01)")
    p.add_argument("--format", default="pdf,docx", help="pdf, docx or pdf,docx (default)")
    p.add_argument("--out", default="reports", help="the folder to write to (default reports/)")
    p.set_defaults(func=cmd_report)
    args = parser.parse_args(argv)
    as_json = getattr(args, "progress", None) == "json"
    args.outcome = None
    try:
        config.settings()  # a bad setting stops every command before it starts, in one line
        if args.command in SESSION_COMMANDS | {"fetch", "refresh"}:
            _yield_cpu()
        if args.command not in SESSION_COMMANDS:
            return args.func(args)
        return _in_session(args, as_json)
    except PipelineError as exc:
        if as_json:
            _say(failed=str(exc))
        else:
            print(f"fejl: {exc}", file=sys.stderr)
        return 1
    except duckdb.IOException as exc:
        if as_json:  # a full disk during a load or a confirm: its transaction rolled back
            _say(failed=f"intet er ændret: {_disk_message(exc)}")
            return 1
        print(
            f"fejl: lageret {config.warehouse_path()} kan ikke åbnes "
            f"(holder en anden proces det åbent uden om skrivelåsen?): {exc}",
            file=sys.stderr,
        )
        return 1
    except OSError as exc:
        if not as_json:
            raise
        # The publish after a committed write (a full disk, most often): said as it is. A confirm said it
        # committed before it published (cmd_confirm), so the app can tell that the load is in.
        _say(failed=_disk_message(exc))
        return 1


if __name__ == "__main__":
    sys.exit(main())
