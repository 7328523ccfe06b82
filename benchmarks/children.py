"""The measured work, one subcommand per child process: ``python -m benchmarks.children CMD …``.

Each child does one thing in a fresh interpreter (so its peak memory is its own) and writes its
figures as JSON to the path given last. The parent times the child from outside as well.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
import time
from pathlib import Path

from benchmarks.measure import median, self_peak_rss_mb, write_json


# --- step 1 -----------------------------------------------------------------------------------


def cmd_generate(args) -> None:
    from pipelines import demo

    start = time.perf_counter()
    files = demo.write_demo(Path(args.folder), scale=args.scale, until=args.until)
    write_json(
        Path(args.out),
        {"files": [str(f) for f in files], "seconds": time.perf_counter() - start, "peak_rss_mb": self_peak_rss_mb()},
    )


# --- step 2: the floor and the pandas approach (the pipeline is its own CLI) ---------------------

# DuckDB's defaults for the types (its sniffer), told only the separator and the decimal comma. The
# '..' markers and thousands dots leave the measure columns as text: the floor then only splits text.
FLOOR_OPTIONS = "delim=';', header=true, decimal_separator=','"
# For information: the same read with the measures parsed to numbers, as the pipeline must.
FLOOR_TYPED_OPTIONS = (
    FLOOR_OPTIONS + ", thousands='.', nullstr='..', types={'Antal personer': 'BIGINT', 'Fuldtidspersoner': 'DOUBLE'}"
)


def _table_t_written(con) -> tuple[int, list]:
    """Table ``t``'s rows and column types, then the file checkpointed and closed (as every approach ends)."""
    rows = con.execute("select count(*) from t").fetchone()[0]
    types = con.execute(
        "select column_name, data_type from information_schema.columns where table_name = 't' order by ordinal_position"
    ).fetchall()
    con.execute("checkpoint")
    con.close()
    return rows, types


def cmd_floor(args) -> None:
    """DuckDB's own CSV reader straight into one plain table: what no loader can beat by much."""
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(args.db)
    options = FLOOR_TYPED_OPTIONS if args.command == "floor_typed" else FLOOR_OPTIONS
    # The file list is bound; the options are this module's own constants.
    con.execute(f"create table t as select * from read_csv(?, {options})", [list(args.files)])
    rows, types = _table_t_written(con)
    write_json(
        Path(args.out),
        {"rows": rows, "types": types, "seconds": time.perf_counter() - start, "peak_rss_mb": self_peak_rss_mb()},
    )


def cmd_pandas(args) -> None:
    """What a typical script does: pandas reads each file, then one bulk insert into DuckDB."""
    import duckdb
    import pandas as pd

    start = time.perf_counter()
    frames = [pd.read_csv(f, sep=";", decimal=",", thousands=".") for f in args.files]
    frame = pd.concat(frames, ignore_index=True)
    del frames
    read_seconds = time.perf_counter() - start
    con = duckdb.connect(args.db)
    con.register("frame", frame)
    con.execute("create table t as select * from frame")
    con.unregister("frame")
    rows, types = _table_t_written(con)
    write_json(
        Path(args.out),
        {
            "rows": rows,
            "types": types,
            "read_seconds": read_seconds,
            "pandas_dtypes": {str(k): str(v) for k, v in frame.dtypes.items()},
            "seconds": time.perf_counter() - start,
            "peak_rss_mb": self_peak_rss_mb(),
            "pandas": pd.__version__,
        },
    )


# --- step 3 -----------------------------------------------------------------------------------


def cmd_build(args) -> None:
    """Load demo files through the full pipeline, then the seed, as ``pipelines build`` does."""
    from pipelines import build, config, loader
    from pipelines.warehouse import connect

    start = time.perf_counter()
    con = connect(Path(args.db))
    per_file = []
    try:
        for f in args.files:
            t = time.perf_counter()
            result = loader.load(Path(f), source=config.DEMO_SOURCE, loaded_by="benchmark", con=con)
            per_file.append({"file": Path(f).name, "rows": result.rows, "seconds": time.perf_counter() - t})
        t = time.perf_counter()
        seed = build.load_seed(con, loaded_by="benchmark")
        per_file.append({"file": "seed", "rows": sum(r.rows for r in seed), "seconds": time.perf_counter() - t})
        con.execute("checkpoint")
    finally:
        con.close()
    write_json(
        Path(args.out), {"files": per_file, "seconds": time.perf_counter() - start, "peak_rss_mb": self_peak_rss_mb()}
    )


# --- step 4: pages ----------------------------------------------------------------------------


def _cache_component_scan() -> bool:
    """Scan the installed packages for Streamlit components once per process, as a server does.

    A Streamlit server scans every installed distribution's metadata for v2 components once, at
    start-up. AppTest does it again for every new AppTest (about 250 ms with 200 packages
    installed), which is harness cost, not page cost. The scanner is imported by name when it
    is called, so replacing the module attribute is enough. False when this Streamlit has no
    such scanner: the timings then include the scan, and the results say so.
    """
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:
        return False
    scan = getattr(manifest_scanner, "scan_component_manifests", None)
    if scan is None:
        return False
    if not hasattr(scan, "cache_info"):
        manifest_scanner.scan_component_manifests = functools.cache(scan)
    return True


def _streamlit_ready(timeout: float):
    """Import what the pages import and pay the test harness's first run on a trivial script.

    A cold page then measures empty caches and a closed warehouse, not Python importing altair.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    _cache_component_scan()

    import presentation.access  # noqa: F401  (imported for its import cost only)
    import presentation.charts  # noqa: F401
    import presentation.filters  # noqa: F401
    import presentation.formatting  # noqa: F401
    import presentation.page  # noqa: F401
    import queries

    # The same generous timeout as the pages: on a busy machine even this can take seconds.
    AppTest.from_string("import streamlit as st\nst.write('klar')", default_timeout=timeout).run()
    return st, AppTest, queries


def _run_page(AppTest, path: str, timeout: float) -> tuple[float, float, list[str]]:
    """Wall seconds, CPU seconds of the whole process (every thread: the script's and DuckDB's) and errors.

    The CPU figure barely moves when other work competes for the cores; the wall figure does.
    """
    start, cpu = time.perf_counter(), time.process_time()
    at = AppTest.from_file(path, default_timeout=timeout).run()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    return seconds, cpu_seconds, [str(e.value)[:500] for e in at.exception]


def cmd_page_cold(args) -> None:
    st, AppTest, queries = _streamlit_ready(args.timeout)
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    seconds, cpu_seconds, errors = _run_page(AppTest, args.page, args.timeout)
    write_json(
        Path(args.out),
        {
            "seconds": seconds,
            "cpu_seconds": cpu_seconds,
            "errors": errors,
            "peak_rss_mb": self_peak_rss_mb(),
            "component_scan_once": _cache_component_scan(),
        },
    )


def cmd_pages_warm(args) -> None:
    """The serving process: every page once to fill the caches, then ``runs`` timed runs each.

    Each timed run is a new AppTest session (another user opening the page) on the filled caches.
    """
    st, AppTest, queries = _streamlit_ready(args.timeout)
    queries.snapshot_reader.clear()
    st.cache_data.clear()
    pages = {}
    for path in args.pages:
        first, _, errors = _run_page(AppTest, path, args.timeout)
        times, cpu = [], []
        for _ in range(args.runs):
            seconds, cpu_seconds, more = _run_page(AppTest, path, args.timeout)
            times.append(seconds)
            cpu.append(cpu_seconds)
            errors += [e for e in more if e not in errors]
        pages[Path(path).stem] = {
            "first": first,
            "runs": times,
            "median": median(times),
            "cpu_runs": cpu,
            "cpu_median": median(cpu),
            "errors": errors,
        }
    write_json(
        Path(args.out),
        {"pages": pages, "peak_rss_mb": self_peak_rss_mb(), "component_scan_once": _cache_component_scan()},
    )


# --- step 4: queries --------------------------------------------------------------------------


class MissingParameter(Exception):
    """A .sql file asks for a parameter this benchmark has no representative value for."""


def _timed(call, runs: int) -> dict:
    """First call (DuckDB's buffers cold for this query) and the median of ``runs`` more."""
    start = time.perf_counter()
    result = call()
    first = time.perf_counter() - start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    rows = getattr(result, "height", None)
    if rows is None and isinstance(result, (list, tuple)):
        rows = len(result)
    return {"first": first, "median": median(times), "runs": times, "rows": rows}


def cmd_queries(args) -> None:
    import duckdb
    import streamlit as st

    import queries
    from pipelines import config
    from pipelines.rules import TOTAL_CODE
    from presentation import filters

    area, preset = args.area, "ds_aktuel"
    queries.snapshot_reader().current()  # opened once, as in the app: not part of any query's latency
    first_month, last_month, current = queries.run("month_bounds", today=queries.this_month()).row(0)
    last = current or last_month  # the app's default month
    if first_month is None:
        sys.exit("the warehouse has no monthly visitation data (month_bounds gave none): nothing to measure")
    first = max(filters.DEFAULT_FIRST, first_month)
    caseload_period = queries.run("caseload_periods", area=area)["period"][0]
    match_period = queries.run("match_group_periods", area=area)["period"][0]
    invest_area = queries.investment_areas()["area_code"][0]
    context = {
        "area": area,
        "first": first,
        "last": last,
        "caseload_period": caseload_period,
        "match_period": match_period,
        "investment_area": invest_area,
    }
    both = [area, queries.NATIONAL]
    # Representative values by parameter name; each .sql gets the ones its text asks for ($name),
    # so a query that gains or loses a parameter is still measured. Where a parameter means
    # something else in one query (the period of a caseload or a match-group table), it is overridden.
    pool = {
        "area": area,
        "areas": both,
        "period": last,
        "from": first,
        "to": last,
        "unit": "month",
        "preset": preset,
        "measure": "persons",
        "age": "alle",
        "n": 3,
        # The constants the query functions bind, as they bind them.
        "national": queries.NATIONAL,
        "total": TOTAL_CODE,
        "demo_source": config.DEMO_SOURCE,
    }
    overrides = {
        "caseload_teams": {"period": caseload_period},
        "match_group_matrix": {"period": match_period},
        "investment_lines": {"area": invest_area},
    }
    # Variants a page can also ask for: the whole warehouse's coverage, one age band (quarters and years are made in
    # Python from the months, queries/over_time.py: measured with the functions below).
    variants = {
        "coverage (area='*')": ("coverage", {"area": "*"}),
        "visitation_series (under_30)": ("visitation_series", {"age": "under_30"}),
    }

    def params_for(name: str, extra: dict | None = None) -> dict:
        text = (queries.QUERY_DIR / f"{name}.sql").read_text(encoding="utf-8")
        wanted = sorted(set(re.findall(r"\$([A-Za-z_]\w*)", text)))
        values = {**pool, **overrides.get(name, {}), **(extra or {})}
        missing = [w for w in wanted if w not in values]
        if missing:
            raise MissingParameter(f"no representative value for {', '.join('$' + m for m in missing)}")
        return {w: values[w] for w in wanted}

    results: dict[str, dict] = {}
    jobs = [(name, name, None) for name in sorted(queries.QUERY_NAMES)]
    jobs += [(label, name, extra) for label, (name, extra) in variants.items()]
    for label, name, extra in jobs:
        try:
            params = params_for(name, extra)
            results[label] = {"params": params, **_timed(functools.partial(queries.run, name, **params), args.runs)}
        except MissingParameter as exc:
            results[label] = {"error": str(exc)}
        except queries.QueryError as exc:
            results[label] = {"error": str(exc)[:500]}

    # The cached functions the pages call, with their caches emptied before every call.
    def uncached(fn, *a):
        def call():
            st.cache_data.clear()
            return fn(*a)

        return call

    functions = {
        "overview": uncached(queries.overview, area, last, preset),
        "shared_citizens": uncached(queries.shared_citizens, area, match_period),
        "visitation_series (own)": uncached(
            queries.visitation_series, (area,), "persons", "alle", first, last, "M", False
        ),
        "visitation_series (compare, shares)": uncached(
            queries.visitation_series, (area, queries.NATIONAL), "persons", "alle", first, last, "M", True
        ),
        "visitation_series (own, quarters)": uncached(
            queries.visitation_series, (area,), "persons", "alle", first, last, "Q", False
        ),
        "activation": uncached(queries.activation, area, first, last),
        "activation (quarters, compared with the country)": uncached(
            queries.activation, area, first, last, "Q", (queries.NATIONAL,)
        ),
        "shared_over_time (compared with the country)": uncached(
            queries.shared_over_time, (area, queries.NATIONAL), first, last, "M"
        ),
        "caseloads": uncached(queries.caseloads, area, caseload_period, preset),
        "published_cases": uncached(queries.published_cases, invest_area),
        "coverage": uncached(queries.coverage, area),
        "areas + month_bounds + freshness (sidebar)": uncached(
            lambda: (queries.areas(), queries.month_bounds(), queries.freshness())
        ),
    }
    function_results = {}
    for label, call in functions.items():
        try:
            function_results[label] = _timed(call, args.runs)
        except (queries.QueryError, duckdb.Error) as exc:
            function_results[label] = {"error": str(exc)[:500]}
        except TypeError as exc:  # the function's signature changed under this benchmark
            function_results[label] = {"error": f"called as the benchmark knows it: {exc}"[:500]}
    write_json(
        Path(args.out),
        {"context": context, "sql": results, "functions": function_results, "peak_rss_mb": self_peak_rss_mb()},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.children")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("generate")
    p.add_argument("folder")
    p.add_argument("scale", type=int)
    p.add_argument("until")
    p.add_argument("out")
    p.set_defaults(func=cmd_generate)
    for name, func in (("floor", cmd_floor), ("floor_typed", cmd_floor), ("pandas", cmd_pandas), ("build", cmd_build)):
        p = sub.add_parser(name)
        p.add_argument("db")
        p.add_argument("out")
        p.add_argument("files", nargs="+")
        p.set_defaults(func=func)
    p = sub.add_parser("page-cold")
    p.add_argument("page")
    p.add_argument("out")
    p.add_argument("--timeout", type=float, default=120.0)
    p.set_defaults(func=cmd_page_cold)
    p = sub.add_parser("pages-warm")
    p.add_argument("out")
    p.add_argument("pages", nargs="+")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--timeout", type=float, default=120.0)
    p.set_defaults(func=cmd_pages_warm)
    p = sub.add_parser("queries")
    p.add_argument("out")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--area", default="101")
    p.set_defaults(func=cmd_queries)
    args = parser.parse_args(argv)
    args.func(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
