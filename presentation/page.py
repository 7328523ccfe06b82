"""Small building blocks every page uses: a chart with its caption and data table, notices, KPI cards."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterable
from datetime import date

import pandas  # noqa: F401  (see below)
import polars as pl
import pyarrow as pa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import queries
from pipelines.config import DEMO_SOURCE
from pipelines.periods import parse_period
from presentation import disclosure, errors, export, filters, freshness
from presentation import formatting as fmt
from presentation.memo import RecentlyUsed

# pandas: Streamlit and pyarrow import it lazily on a page's first table or chart, which put ~0.7 s
# of importing into whichever page a process happened to show first. Imported here it is paid once
# with the page helpers, like altair and polars.

LOAD_HINT = "Indlæs et udtræk på siden Data (analytikere) eller med `python -m pipelines load FIL`."


def caption(sources: Iterable[str], period: str | None = None, extra: str | None = None) -> str:
    """Source line under a chart: source, period and, where it applies, the synthetic-data warning."""
    sources = sorted({queries.source_label(s) for s in sources if s})
    parts = []
    real = [s for s in sources if s != DEMO_SOURCE]
    if real:
        parts.append("Kilde: " + ", ".join(real))
    if DEMO_SOURCE in sources:
        parts.append("syntetiske demodata (ikke rigtige tal)")
    if period:
        parts.append(f"Periode: {period}")
    if extra:
        parts.append(extra)
    return disclosure.Caption(" · ".join(parts), sources)


PAGE_TITLE_KEY = "_page_title"
EXPORTS_KEY = "_exports"  # chart key -> {file name: make()}: this run's downloads, for tests to take as a user would
FLASH_KEY = "_flash"
DEFAULT_DECIMALS = 1  # a decimal figure in a download, unless the chart says otherwise (as fmt_num and fmt_pct)
MISSING_CELL = ""  # how a table shows a missing value (Streamlit's own default is the word "None")
CHART_HEIGHT = 300
DEMO_BANNER_KEY = "_demo_banner"  # [the banner's place under the title, whether it is shown]: per script run
DEMO_BANNER = (
    "**Syntetiske demodata på denne side.** Tal markeret »Demodata« er opdigtede, ikke kommunens rigtige tal: "
    "brug dem ikke i en indstilling eller et notat. Rigtige tal er markeret med deres kilde."
)
DEMO_BADGE = "Demodata"


# Abbreviations the data bring onto the pages (Copenhagen's administrations, Aabenraa's project), explained where
# they appear (``glossary``).
ABBREVIATIONS = {
    "BIF": "Beskæftigelses- og Integrationsforvaltningen, Københavns jobcenter",
    "SOF": "Socialforvaltningen i København",
    "KIK": "Kommunal Investeringsstrategi for aktivitetsparate Kontanthjælpsmodtagere (Aabenraa)",
}


def glossary(texts: Iterable[str | None]) -> None:
    """A line explaining the abbreviations that occur in ``texts`` (labels a page shows), if any do."""
    words = set(re.findall(r"\b[A-ZÆØÅ]{3}\b", " ".join(t for t in texts if t)))
    found = [f"{term}: {meaning}" for term, meaning in ABBREVIATIONS.items() if term in words]
    if found:
        st.caption("Forkortelser: " + " · ".join(found) + ".")


def demo_badge(sources: Iterable[str], place=st) -> None:
    """Under a key figure that rests on the demo: a badge saying so (and the page's banner)."""
    if demo_in(sources):
        place.markdown(f":orange-badge[:material/science: {DEMO_BADGE}] ikke rigtige tal")


def demo_in(sources: Iterable[str]) -> bool:
    """Whether figures from these sources rest on the synthetic demo; says so under the page's title (once)."""
    demo = DEMO_SOURCE in set(sources)
    slot = st.session_state.get(DEMO_BANNER_KEY)
    if demo and slot and not slot[1]:
        slot[0].warning(DEMO_BANNER, icon=":material/science:")
        slot[1] = True
    return demo


def start(title: str) -> None:
    """The page title, and the data's freshness under it."""
    queries.pin_snapshot()  # first: every query of this run reads the same published snapshot
    st.session_state[PAGE_TITLE_KEY] = title  # export file names begin with it
    st.session_state[EXPORTS_KEY] = {}
    st.html(disclosure.NATIVE_EXPORTS_OFF)  # Streamlit's own chart downloads bypass the small-count rule
    st.title(title)
    # The demo banner's place, right under the title: filled by the first figure of this run that rests on the demo.
    st.session_state[DEMO_BANNER_KEY] = [st.empty(), False]
    # Overdue is a matter of today's date as well as of the data: worded here, from the snapshot's rows.
    if live := freshness.status(queries.jobindsats_freshness(), date.today()):
        if live.late:
            st.warning(fmt.plain(live.line), icon=":material/sync_problem:")
        else:
            st.caption(fmt.plain(live.line))
    if message := st.session_state.pop(FLASH_KEY, None):
        st.success(message, icon=":material/check_circle:")
    for message in failed_downloads():
        st.error(message, icon=":material/error:")
        st.toast(message, icon=":material/error:", duration="long")


def period_label(period: str) -> str:
    """A period id as its Danish label ("2026M11" -> "november 2026"); one the app cannot read, as it is."""
    shown = parse_period(period)
    return shown.label if shown else period


def review(result) -> bool:
    """An extract's review (an upload or a fetch): problems, warnings, what it replaces, the first rows.
    Returns whether it may be loaded."""
    if not result.ok:
        st.error(
            f"{fmt.plain(result.file_name)} er afvist: {fmt.fmt_count(len(result.problems), 'fejl', 'fejl')}. "
            "Intet er indlæst.",
            icon=":material/error:",
        )
        table(result.problem_table())
        if result.warnings:
            st.caption("Advarsler")
            table(result.warning_table())
        return False
    first, last = (period_label(p) for p in (result.periods[0], result.periods[-1]))
    periods = f"periode {first}" if first == last else f"perioder {first} – {last}"
    # The kind's label is ours and the periods are canonical (parsed): only the file name comes from the user.
    st.success(
        f"{fmt.plain(result.file_name)}: {result.kind_label}, "
        f"{fmt.fmt_count(result.lines, 'linje', 'linjer')} med {fmt.fmt_count(result.figures, 'tal', 'tal')}, "
        f"{fmt.fmt_count(len(result.areas), 'område', 'områder')}, {periods}.",
        icon=":material/check_circle:",
    )
    for line in result.replaces:
        st.text(line)
    if result.warnings:
        st.warning(
            f"{fmt.fmt_count(len(result.warnings), 'advarsel', 'advarsler')} (indlæsningen kan fortsætte).",
            icon=":material/warning:",
        )
        table(result.warning_table())
    st.caption("De første rækker")
    table(result.preview)
    return True


def _with_progress(running: str, failed: str, work, rejected: str | None = None):
    """``work(progress)`` in a status box with a progress bar. A ``PipelineError`` marks the box ``failed`` and
    says why; with ``rejected``, a rejection marks it so and lists its problems. Returns the status box and what
    ``work`` returned (None after a failure)."""
    from pipelines.errors import ExtractRejected, PipelineError
    from pipelines.review import Review

    with st.status(running, expanded=True) as status:
        bar = st.progress(0.0)
        try:
            return status, work(lambda step, frac: bar.progress(frac, text=step))
        except ExtractRejected as exc:
            if rejected is None:
                failure = exc
            else:
                status.update(label=f"{rejected}; intet er ændret", state="error")
                table(Review("", False, problems=exc.problems).problem_table())
                return status, None
        except PipelineError as exc:  # e.g. another load held the warehouse for longer than we wait
            failure = exc
        status.update(label=f"{failed}; intet er ændret", state="error")
        st.error(fmt.plain(failure), icon=":material/error:")
        return status, None


def run_load(label: str, commit, on_loaded=None) -> None:
    """A load with a status box and a progress bar; ``commit(progress)`` does it. A rejection lists its
    problems and changes nothing. After a load ``on_loaded()`` (if given) runs and the page runs again, with
    the outcome at its top: the load published a new snapshot, and a script run reads only one.
    """
    shown = fmt.plain(label)
    _, result = _with_progress(f"Indlæser {shown} …", f"{shown} blev ikke indlæst", commit, f"{shown} blev afvist")
    if result is None:
        return
    if on_loaded is not None:
        on_loaded()
    flash(
        f"{shown} var allerede indlæst (nr. {result.load_id}); intet ændret."
        if result.skipped_identical
        else f"{shown} indlæst som nr. {result.load_id}: {fmt.fmt_count(result.rows, 'række', 'rækker')}, "
        f"{fmt.fmt_int(result.replaced_rows)} erstattet."
    )


def follow(job_id: str, running: str):
    """Wait for a load job (``uploads.JobState``), saying where it is meanwhile: its place in the queue, the other
    writer it waits for, or its progress. ``running`` says what it does, as Markdown-safe text."""
    from commands import writes

    box = st.empty()
    while not (state := writes.job_state(job_id)).done:
        # A line each time: every Streamlit call lets a click of the analyst's stop the wait (the job goes on).
        if state.queued is not None:
            box.info(
                f"{running}: I kø: nr. {state.queued}. Den begynder, når filerne før den er klaret.",
                icon=":material/hourglass_top:",
            )
        elif state.waiting:
            box.info(f"{running}: {fmt.plain(state.waiting)}", icon=":material/hourglass_top:")
        else:
            box.progress(state.fraction, text=f"{running}: {fmt.plain(state.step or 'starter')}")
        time.sleep(0.25)
    box.empty()
    return state


FETCHED = "_jobindsats_fetched"


def run_fetch(label: str, fetch, review) -> None:
    """A fetch with a status box and a progress bar; ``fetch(progress)`` does it and ``review(fetched)``
    reviews what came, once (a redraw of the page must not validate the whole extract again). The outcome
    waits in the session (``fetched``); a failure says why, and nothing is changed."""
    shown = fmt.plain(label)
    status, got = _with_progress(f"Henter {shown} …", "Hentningen mislykkedes", fetch)
    if got is None:
        forget_fetched()
        return
    st.session_state[FETCHED] = (got, review(got))
    status.update(label=f"{shown} hentet: {fmt.fmt_count(got.rows, 'række', 'rækker')}", state="complete")


def fetched():
    """The fetch waiting for its load, with its review: (fetched, review), or None."""
    return st.session_state.get(FETCHED)


def forget_fetched() -> None:
    st.session_state.pop(FETCHED, None)


def flash(message: str) -> None:
    """Run the page again with ``message`` at its top (after a write: the new snapshot is read)."""
    st.session_state[FLASH_KEY] = message
    st.rerun()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9æøå]+", "-", text.lower()).strip("-")[:60] or "figur"


def _danish_table(data: pl.DataFrame, columns: dict[str, str] | None) -> pl.DataFrame:
    if not columns:
        return data
    return data.select([pl.col(c).alias(label) for c, label in columns.items() if c in data.columns])


_specs = RecentlyUsed(256)  # id(chart) -> (chart, spec)


def _spec(figure, **rules) -> dict:
    """The Vega-Lite spec Streamlit is given for a chart, made once per chart object.

    The chart builders hand out the same object for the same data (charts.memoised), so a page shown
    again skips Altair's serialisation too. An entry holds its chart, so its id cannot be reused meanwhile.
    """
    kept = _specs.get(id(figure))
    if kept is not None and kept[0] is figure:
        return kept[1]
    # The builders' specs are validated in their tests; skipping Altair's schema validation on every
    # new chart saves about two thirds of the serialisation time.
    spec = _with_arrow_datasets(disclosure.on_screen(figure.to_dict(validate=False), **rules))
    # Fit the width to the page but give the plot itself the height (legends and titles come on top). Small
    # multiples (concatenations) size their panels themselves: Vega cannot fit them to a width, and draws nothing.
    if not any(key in spec for key in ("concat", "hconcat", "vconcat", "facet", "repeat")):
        spec.setdefault("height", CHART_HEIGHT)
        spec["autosize"] = {"type": "fit-x", "contains": "padding"}
    _specs.put(id(figure), (figure, spec))
    return spec


def _with_arrow_datasets(spec: dict) -> dict:
    """The spec with its datasets as Arrow IPC bytes, which Streamlit passes on as they are.

    Given rows, Streamlit builds a pandas frame from each dataset to serialise it: most of a warm
    page's time. The rows are Altair's JSON-ready values, so the chart sees the same data either way.
    A dataset pyarrow cannot type (mixed kinds in a column) is left to Streamlit.
    """
    for name, rows in spec.get("datasets", {}).items():
        if not (isinstance(rows, list) and rows and isinstance(rows[0], dict)):
            continue
        try:
            table = pa.Table.from_pylist(rows)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        spec["datasets"][name] = sink.getvalue().to_pybytes()
    return spec


EXPORT_FAILED = (
    "{what} kunne ikke laves, så der kom ingen fil. Fejlen er skrevet i serverens log. Prøv igen; sker det "
    "igen, så giv fejl-id {ref} til den, der driver Helhedsblik."
)
_failures: dict[str, list[str]] = {}  # session id -> messages about its failed downloads, shown on its next run
_failures_lock = threading.Lock()


def failed_downloads() -> list[str]:
    """The messages about this session's downloads that failed since its last run (and forgets them)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return []
    with _failures_lock:
        return _failures.pop(ctx.session_id, [])


def guarded(make, what: str):
    """``make`` (a download button's file maker) such that a failure is never silent.

    Streamlit calls a download's maker outside the script run, on a worker thread, when the button is clicked;
    an exception there only gives a few seconds of English ("Failed to generate file for download") under
    the button. So the failure is logged with its traceback and an error id, and the session is run again,
    which puts a Danish message naming the id at the top of the page and in a toast (``start``). The exception
    is raised on, so no file with wrong contents is saved."""
    ctx = get_script_run_ctx(suppress_warning=True)
    session = ctx.session_id if ctx is not None else None

    def make_or_explain():
        try:
            return make()
        except Exception as exc:
            ref = errors.reference()
            errors.LOG.error("Fejl-id %s: the download %r failed", ref, what, exc_info=exc)
            if session is not None:
                with _failures_lock:
                    _failures.setdefault(session, []).append(EXPORT_FAILED.format(what=what, ref=ref))
                _rerun(session)
            raise

    return make_or_explain


def _rerun(session: str) -> None:
    """Ask Streamlit to run ``session``'s page again, from any thread. Streamlit has no public call for this; if
    its internals move, the message waits for the session's next run and the failure is in the log anyway."""
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():  # a script run without a server (AppTest)
            return
        runtime = Runtime.instance()
        info = runtime._session_mgr.get_active_session_info(session)
        if info is not None:
            # With its last client state, as Streamlit's own run-on-save does: the same page, widgets and link.
            app = info.session
            runtime._get_async_objs().eventloop.call_soon_threadsafe(lambda: app.request_rerun(app._client_state))
    except Exception:  # noqa: BLE001 - the rerun only hastens the message; the failure is already logged
        errors.LOG.warning("Could not run session %s again to report a failed download", session, exc_info=True)


def chart(
    figure,
    data: pl.DataFrame,
    *,
    alt: str,
    caption_text: str,
    key: str,
    table_columns: dict[str, str] | None = None,
    counts: tuple[str, ...] = (),
    decimals: dict[str, int] | None = None,
    shares: disclosure.Shares | None = None,
    totals: disclosure.Totals | None = None,
) -> None:
    """Render a chart with its caption, the data behind it on demand, and exports of both.

    The exported data are rounded as the page shows them: ``decimals`` per column, else one decimal (the app's
    figures and shares); ``counts`` are whole numbers, with small ones hidden, and ``shares`` name the columns
    identifying each share's total and ``totals`` the parts of each total shown (``disclosure``), so no share or
    total gives a hidden count away."""
    st.vega_lite_chart(
        spec=_spec(figure, counts=counts, shares=shares, totals=totals), width="stretch", alt=alt, key=key
    )
    st.caption(fmt.plain(caption_text))  # sources and notes come from data; the exports get the text as it is
    # The shares a hidden count would give back go first, found in all the data's columns (a total's key may not be
    # one of the table's); the counts are then labelled "<5" by each output.
    shown = _danish_table(disclosure.protect(data, counts, shares, totals), table_columns)
    sources = getattr(caption_text, "sources", ())
    demo_in(sources)
    source = ", ".join(sources) or None
    if "source" in data.columns and source:  # a source per row tells real and synthetic rows apart
        shown, source = (
            shown.with_columns(data["source"].map_elements(queries.source_label, pl.String).alias("Kilde")),
            None,
        )
    private = {"counts": counts, "shares": shares, "totals": totals, "demo": DEMO_SOURCE in sources}

    def shown_name(column: str) -> str:
        return table_columns.get(column, column) if table_columns else column

    count_columns = [c for c in map(shown_name, counts) if c in shown.columns]
    places = {c: DEFAULT_DECIMALS for c, dtype in shown.schema.items() if dtype.is_float()}
    places.update((shown_name(c), n) for c, n in (decimals or {}).items() if shown_name(c) in places)
    name = _export_name(figure, data, caption_text)
    with st.expander("Vis data som tabel"):
        # Arrow, not polars: Streamlit would convert a polars frame through pandas (a third of a warm page).
        freq = (st.session_state.get(filters.STATE_KEY) or {}).get("freq", "M")
        safe = disclosure.safe_table(shown, count_columns, decimals=places, freq=freq)
        st.dataframe(safe.to_arrow(), hide_index=True, width="stretch", placeholder=MISSING_CELL)
    with st.popover("Eksportér", icon=":material/download:"):
        st.caption('Figuren med titel, kilde og periode; tal under 5 vist som "<5", andele ved siden af udeladt.')
        # Each file is made only when its button is clicked (Streamlit calls the function then).
        downloads = (
            ("Figur (PNG)", "png", "image/png", lambda: export.chart_png(figure, caption_text, **private)),
            ("Figur (SVG)", "svg", "image/svg+xml", lambda: export.chart_svg(figure, caption_text, **private)),
            ("Figur (PDF)", "pdf", "application/pdf", lambda: export.chart_pdf(figure, caption_text, **private)),
            (
                "Data (CSV til dansk Excel)",
                "csv",
                "text/csv",
                lambda: export.data_csv(shown, count_columns, places, source=source),
            ),
            (
                "Data (XLSX)",
                "xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                lambda: export.data_xlsx(shown, count_columns, caption=caption_text, decimals=places, source=source),
            ),
        )
        st.session_state.setdefault(EXPORTS_KEY, {})[key] = {f"{name}.{d[1]}": d[3] for d in downloads}
        for label, suffix, mime, make in downloads:
            st.download_button(
                label, guarded(make, label), f"{name}.{suffix}", mime, key=f"{key}_{suffix}", on_click="ignore"
            )


def _export_name(figure, data: pl.DataFrame, caption_text: str) -> str:
    """An export's file name without its suffix: page, chart, municipality and period."""
    chosen = st.session_state.get(filters.STATE_KEY) or {}
    first, last, freq = disclosure.period_of(data, caption_text, chosen.get("freq", "M"))
    area = queries.area_name(chosen["area"]) if chosen.get("area") else None
    title = disclosure.title_text(getattr(figure, "title", None))
    return disclosure.file_name(st.session_state.get(PAGE_TITLE_KEY, ""), title, area, first, last, freq)


def report_button(page_title: str, choice, **options) -> None:
    """At a page's end: the page as an A4 section of the council report, and the council report itself in the
    sidebar (on Overblik also on the page). ``options`` are the page's own choices the report should follow."""
    from presentation import report_ui  # the report's typesetting is loaded by the first page that offers it

    report_ui.page_report(page_title, choice, **options)


ROW_MARKS = {"chosen": "background-color: #D6E9F5; font-weight: 600", "compare": "background-color: #EEEEEE"}


def table(
    data: pl.DataFrame,
    columns: dict[str, str] | None = None,
    *,
    marks: str | None = None,
    decimals: dict[str, int] | None = None,
) -> None:
    """A data table with Danish column names; only the named columns when ``columns`` is given. Every figure is
    Danish text under the small-count rule (``disclosure.safe_table``), to ``decimals`` places per column (else one).

    With ``marks`` (a column of ``data`` holding "chosen", "compare" or null), those rows are shaded: the chosen
    municipality in light blue, the comparison areas in grey, as in the charts."""
    places = {columns.get(c, c) if columns else c: n for c, n in (decimals or {}).items()}
    shown = disclosure.safe_table(_danish_table(data, columns), decimals=places)
    if marks is None:
        st.dataframe(shown.to_arrow(), hide_index=True, width="stretch", placeholder=MISSING_CELL)
        return
    styles = [ROW_MARKS.get(mark, "") for mark in data.get_column(marks).to_list()]
    styled = shown.to_pandas().style.apply(lambda row: [styles[row.name]] * len(row), axis=1)
    st.dataframe(styled, hide_index=True, width="stretch", placeholder=MISSING_CELL)


def no_data(what: str, area: str) -> None:
    st.info(f"Der er ingen data om {fmt.plain(what)} for {fmt.plain(area)}. {LOAD_HINT}", icon=":material/info:")


def choose(
    label: str, options: pl.DataFrame, value: str, text: str, *, default=None, place=st, key=None, shown=None
) -> tuple:
    """A select box over the ``value`` column of ``options``, each shown by its ``text`` (or as ``shown(value,
    text)``), ``default`` chosen first when it is one of them; returns the chosen value and its text."""
    texts = dict(zip(options[value].to_list(), options[text].to_list(), strict=True))
    values = list(texts)
    chosen = place.selectbox(
        label,
        values,
        index=values.index(default) if default in texts else 0,
        format_func=(lambda v: shown(v, texts[v])) if shown else texts.get,
        key=key,
    )
    return chosen, texts[chosen]


def pick_period(
    periods: pl.DataFrame, label: str, what: str, area: str, until: str | None = None, default: str | None = None
) -> tuple[str, str]:
    """Choose one of the periods (newest first) that have data; stop the page, saying so, when there are none.

    Every page defaults by one rule: the newest period that has begun by today and by the end of the sidebar's
    "Til" month (``until``, a month id such as 2026M09), so pages with data for that month show that month; a
    future period (an upload's typo) can be chosen but is never what everyone sees first. ``default``, when it is
    one of the periods, overrides the rule (a page whose key figures come from another query's period)."""
    if periods.is_empty():
        no_data(what, area)
        st.stop()
    limit = date.today()
    if until and (month := parse_period(until)) is not None:
        limit = min(limit, month.end)
    begun = periods.filter(pl.col("start_date") <= limit)["period"]
    if default is None or default not in periods["period"].to_list():
        default = begun[0] if len(begun) else None
    return choose(label, periods, "period", "label", default=default)


def format_value(value: float | None, unit: str) -> str:
    """A key figure as its card shows it, with the charts' minus sign (U+2212), not a hyphen."""
    if unit == "pct":
        text = fmt.fmt_pct(value)
    elif unit == "kr":
        text = fmt.fmt_mio(value)
    elif unit == "sager":
        text = fmt.fmt_num(value, 1)
    else:
        text = fmt.fmt_int(value)
    return fmt.minus(text)


# A Markdown hard line break: a KPI card's label is clipped at one line, but may be given two.
LINE_BREAK = "  \n"


def grid(count: int, per_row: int) -> list:
    """``count`` places for KPI cards in rows of ``per_row``: few enough per row that a Danish label and an
    amount such as "383,1 mio. kr." fit on a laptop screen, where Streamlit would clip them."""
    places = []
    for start in range(0, count, per_row):
        places += st.columns(per_row)[: min(per_row, count - start)]
    return places


def kpi_delta(kpi) -> str | None:
    """A key figure's change from a year earlier as its card shows it ("+1,8 pct.-point"), or None."""
    if kpi.value is None or kpi.previous is None:
        return None
    diff = kpi.value - kpi.previous
    delta = (fmt.minus(fmt.fmt_num(diff, 1)) + " pct.-point") if kpi.unit == "pct" else format_value(diff, kpi.unit)
    if diff > 0 and not delta.startswith("+"):
        delta = "+" + delta
    return delta


def kpi_card(container, kpi, link: str | None = None) -> None:
    """One key figure: the value, the change from a year earlier and the national level; a "Demodata" badge under
    it when it rests on the synthetic demo, and the value in red when it is flagged (a caseload above DS' band)."""
    delta = kpi_delta(kpi)
    value = format_value(kpi.value, kpi.unit)
    helps = []
    if kpi.national is not None:
        helps.append(f"Hele landet: {format_value(kpi.national, kpi.unit)}")
    if kpi.note:
        helps.append(kpi.note)
    # One bordered card holds the figure, its badge, its notes and its link, as tall as the row's tallest card.
    with container, st.container(border=True, height="stretch"):
        helps = fmt.plain(" · ".join(helps))  # notes name periods and counts from data
        # Streamlit reads a change's direction from a leading hyphen; with the minus sign it is given here.
        diff = (kpi.value - kpi.previous) if delta else 0
        good = (diff < 0) == kpi.lower_is_better
        st.metric(
            kpi.label,
            f":red[{value}]" if kpi.flagged else value,
            delta=delta,
            delta_color="gray" if not diff else ("green" if good else "red"),
            delta_arrow="off" if not diff else ("down" if diff < 0 else "up"),
            delta_description="fra året før" if delta else None,
            help=helps or None,
        )
        demo_badge(kpi.sources)
        if helps:
            st.caption(helps)
        if link:
            # A plain link carrying the filters: it works from any page and can be shared.
            st.markdown(f"[Se detaljer]({link})")
