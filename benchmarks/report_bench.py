"""Step 7: the council report (issue #25): one municipality's PDF and Word against the page exports of the same
charts, and many municipalities in a row with the process's memory after each.

Run by ``python -m benchmarks --only report`` in a child process of its own (its RSS is the report's alone), or
directly: ``python -m benchmarks.report_bench --json OUT [--areas N]`` against HELHEDSBLIK_WAREHOUSE.

- *one municipality*: ``report.build`` + ``report.render`` (PDF and DOCX), median of ``--runs`` warm runs, with the
  parts (gathering, drawing the charts, Typst, Word) timed too;
- *page exports*: for the same charts, what a user gets by clicking each chart's exports on the pages: the PDF
  and the PNG of each (``export.chart_pdf``/``chart_png``, as the pages' "Eksportér" menu makes them), in the same
  process and run; the ratio report / page exports;
- *in a row*: ``--areas`` municipalities one after another (all 98 with ``--areas 0``), seconds per report and the
  resident memory (VmRSS) after each, so growth per report shows.

The target: both formats of one municipality in ≤ 3 s on the 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

TARGET_SECONDS = 3.0
AREA = "751"


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _one(report, choice) -> dict:
    """One municipality's report, both formats, with its parts timed."""
    from presentation import export, report_docx, report_pdf

    t0, cpu = time.perf_counter(), time.process_time()
    built = report.build(choice)
    t1 = time.perf_counter()
    svgs = report_pdf.chart_svgs(built)
    t2 = time.perf_counter()
    pdf = report_pdf.render(built, svgs=svgs)
    t3 = time.perf_counter()
    pngs = [export.png_from_svg(svg) for svg in svgs]
    word = report_docx.render(built, pngs=pngs)
    t4 = time.perf_counter()
    return {
        "seconds": t4 - t0,
        "cpu_seconds": time.process_time() - cpu,  # all the process's threads (vl-convert draws in its own)
        "build": t1 - t0,
        "charts_svg": t2 - t1,
        "typst": t3 - t2,
        "word_png_docx": t4 - t3,
        "charts": len(svgs),
        "pdf_kb": len(pdf) / 1024,
        "docx_kb": len(word) / 1024,
        "built": built,
    }


def _page_exports(built) -> float:
    """The pages' own exports of the same charts: each chart's PDF and PNG, as the Eksportér menu makes them."""
    from presentation import export

    t0 = time.perf_counter()
    for figure in built.all_figures:
        export.chart_pdf(figure.chart, figure.caption)
        export.chart_png(figure.chart, figure.caption)
    return time.perf_counter() - t0


def measure(runs: int, areas: int) -> dict:
    import streamlit
    import streamlit.logger

    streamlit.logger.set_log_level("error")
    from presentation import report, sections

    first, last = sections.default_months()
    out: dict = {"area": AREA, "period": last, "rss_start_mb": rss_mb()}
    t0 = time.perf_counter()
    cold = _one(report, report.Choice(AREA, first, last))
    out["cold_seconds"] = time.perf_counter() - t0  # imports of Typst and Word, vl-convert's first chart
    warm, exports = [], []
    for _ in range(runs):
        streamlit.cache_data.clear()  # each run asks the snapshot again, as a new filter choice would
        one = _one(report, report.Choice(AREA, first, last))
        warm.append(one)
        exports.append(_page_exports(one["built"]))
    out["one"] = {
        key: statistics.median(r[key] for r in warm)
        for key in ("seconds", "cpu_seconds", "build", "charts_svg", "typst", "word_png_docx", "pdf_kb", "docx_kb")
    }
    out["one"]["charts"] = cold["charts"]
    out["runs"] = runs
    out["page_exports_seconds"] = statistics.median(exports)
    out["ratio"] = out["one"]["seconds"] / out["page_exports_seconds"]
    codes = sections.municipalities()
    chosen = codes if areas <= 0 else codes[:areas]
    row = []
    for code in chosen:
        t = time.perf_counter()
        built = report.build(report.Choice(code, first, last))
        report.render(built)
        sections.forget()  # as the CLI's batch does
        row.append({"area": code, "seconds": time.perf_counter() - t, "rss_mb": rss_mb()})
    out["row"] = {
        "areas": len(row),
        "total_seconds": sum(r["seconds"] for r in row),
        "median_seconds": statistics.median(r["seconds"] for r in row),
        "max_seconds": max(r["seconds"] for r in row),
        "rss_first_mb": row[0]["rss_mb"],
        "rss_last_mb": row[-1]["rss_mb"],
        # Growth per report over the second half: the first reports fill the caches, which are bounded.
        "rss_growth_per_report_mb": (row[-1]["rss_mb"] - row[len(row) // 2]["rss_mb"])
        / max(1, len(row) - len(row) // 2 - 1),
        "each": row,
    }
    out["target_seconds"] = TARGET_SECONDS
    out["load_average"] = os.getloadavg()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="warm runs of one municipality (default 3)")
    parser.add_argument("--areas", type=int, default=20, help="municipalities in a row (0: all; default 20)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    out = measure(args.runs, args.areas)
    one, row = out["one"], out["row"]
    print(
        f"one municipality (PDF + Word): {one['seconds']:.2f} s, CPU {one['cpu_seconds']:.2f} s (median of "
        f"{out['runs']}; gathering {one['build']:.2f}, charts {one['charts_svg']:.2f}, Typst {one['typst']:.2f}, "
        f"Word {one['word_png_docx']:.2f}); first, cold: {out['cold_seconds']:.2f} s"
    )
    print(
        f"page exports of the same {one['charts']} charts (PDF + PNG each): {out['page_exports_seconds']:.2f} s; "
        f"ratio {out['ratio']:.2f}"
    )
    print(
        f"{row['areas']} in a row: {row['total_seconds']:.1f} s, median {row['median_seconds']:.2f} s, "
        f"max {row['max_seconds']:.2f} s; RSS {row['rss_first_mb']:.0f} -> {row['rss_last_mb']:.0f} MB "
        f"({row['rss_growth_per_report_mb']:+.2f} MB per report over the second half); load {out['load_average']}"
    )
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
