"""Data: what is loaded, with provenance, and where the data cover; analysts upload and undo here."""

import streamlit as st

import queries
from commands import writes
from pipelines.errors import PipelineError
from presentation import access, charts, filters, page, uploader
from presentation.formatting import fmt_count, fmt_datetime, fmt_int, plain

page.start("Data")
choice = filters.sidebar_filters()
who = access.sidebar_access()
may_write = who.is_analyst and writes.can_write()
if who.is_analyst and not may_write:
    st.info(
        "Denne installation viser kun data: udtræk indlæses, hentes og fortrydes på den maskine, hvor "
        "hovedlageret ligger.",
        icon=":material/visibility:",
    )

if may_write:
    st.header("Indlæs udtræk")
    max_mb, max_lines = writes.upload_limits()
    st.caption(
        f"CSV (jobindsats: ';' og decimalkomma), Excel (.xlsx), Parquet eller jobindsats-JSON. Højst "
        f"{max_mb} MB og {fmt_int(max_lines)} linjer pr. fil. "
        "Filen kontrolleres først; intet indlæses før du bekræfter."
    )
    ticket, files = uploader.file_uploader("Vælg filer", ["csv", "txt", "xlsx", "parquet", "json"], max_mb)
    uploader.start_reviews(ticket, files, who.user)
    for upload in files:
        if uploader.loaded(upload.file_id):
            st.caption(f"{plain(upload.name)} er indlæst (se Indlæsninger nedenfor).")
            continue
        with st.container(border=True):
            uploader.review(ticket, upload, who.user)
    # Reviewed in another session, or before the server restarted: they wait in the master for an analyst.
    waiting = [p for p in writes.pending_uploads() if p[0].load_id not in uploader.shown_loads()]
    if waiting:
        st.subheader("Kontrolleret, ikke indlæst")
    for shown, by, at in waiting:
        with st.container(border=True):
            st.caption(f"Kontrolleret {fmt_datetime(at)} af {plain(by)}; intet er indlæst, før nogen bekræfter.")
            uploader.pending(shown, who.user)
else:  # locked again, or a read-only machine: the ticket stops working
    uploader.forget_ticket()

if may_write:
    st.header("Hent fra jobindsats")
    st.caption(
        "Henter fra jobindsats.dk's API v3 (nøgle i JOBINDSATS_API_KEY eller jobindsats_api_key i secrets). "
        "Det hentede kontrolleres som en upload; intet indlæses før du bekræfter."
    )
    catalogue = {}
    if not writes.jobindsats_configured():
        st.info(
            "Der er ingen API-nøgle til jobindsats: sæt JOBINDSATS_API_KEY, eller jobindsats_api_key i "
            ".streamlit/secrets.toml. En nøgle bestilles hos jobindsats.dk.",
            icon=":material/key:",
        )
    elif st.toggle(
        "Vis tabeller fra jobindsats",
        key="jobindsats_open",
        help="Henter kataloget og tabellernes perioder fra jobindsats.dk",
    ):
        try:
            catalogue = writes.jobindsats_catalogue()
        except PipelineError as exc:
            st.error(f"Kataloget kunne ikke hentes: {plain(exc)}", icon=":material/error:")
    if catalogue:
        table_id = st.selectbox(
            "Tabel", list(catalogue), format_func=lambda t: f"{t}: {catalogue[t]}", key="jobindsats_table"
        )
        try:
            offered = writes.jobindsats_periods(table_id)
        except PipelineError as exc:
            st.error(f"Tabellens perioder kunne ikke hentes: {plain(exc)}", icon=":material/error:")
            offered = []
        if offered:
            first, last = st.select_slider(
                "Perioder",
                options=offered,
                key=f"jobindsats_periods_{table_id}",
                value=(offered[-min(24, len(offered))], offered[-1]),
            )
            wanted = st.multiselect(
                "Områder (tom = alle kommuner og hele landet)",
                queries.areas()["area_name"].to_list(),
                placeholder="Alle kommuner og hele landet",
                key="jobindsats_areas",
            )
            if st.button("Hent", key="jobindsats_fetch", icon=":material/cloud_download:"):
                page.run_fetch(
                    table_id,
                    lambda progress: writes.fetch_jobindsats(table_id, wanted or "*", f"{first}-{last}", progress),
                    writes.review_fetched,
                )
    if pending := page.fetched():
        fetched, review = pending
        with st.container(border=True):
            if page.review(review) and st.button(
                f"Indlæs {plain(fetched.table_id)} fra jobindsats", key="jobindsats_commit", type="primary"
            ):
                # The load validates the extract from scratch: the warehouse may have changed since the review.
                page.run_load(
                    fetched.table_id,
                    lambda progress: writes.commit_fetched(fetched, who.user, progress),
                    on_loaded=page.forget_fetched,
                )

st.header("Indlæsninger")
loads = queries.loads_list()
page.table(
    loads,
    {
        "load_id": "Nr.",
        "file_name": "Fil",
        "kind_label": "Type",
        "rows": "Rækker",
        "replaced_rows": "Erstattede rækker",
        "loaded_at": "Indlæst",
        "loaded_by": "Af",
        "source": "Kilde",
        "period_from": "Fra",
        "period_to": "Til",
    },
)
if may_write and not loads.is_empty():
    with st.expander("Fortryd en indlæsning"):
        chosen, name = page.choose(
            "Indlæsning",
            loads,
            "load_id",
            "file_name",
            key="undo_choice",
            shown=lambda load_id, file_name: f"{load_id}: {file_name}",
        )
        sure = st.checkbox(
            f"Ja, fjern indlæsning {chosen} ({plain(name)}) og bring det, den erstattede, tilbage", key="undo_confirm"
        )
        if st.button("Fortryd indlæsning", disabled=not sure, key="undo_button"):
            try:
                removed = writes.undo_load(chosen, who.user)
            except PipelineError as exc:  # an unknown load, or another writer held the master too long
                st.error(plain(exc), icon=":material/error:")
            else:
                page.flash(f"Indlæsning {chosen} er fortrudt: {fmt_count(removed, 'række', 'rækker')} fjernet.")

st.header("Dækning")
whole = st.toggle("Hele lageret", value=False, help="Alle områder i stedet for den valgte kommune.")
cover = queries.coverage("*" if whole else choice.area)
if cover.is_empty():
    page.no_data("indlæste data", queries.area_name(choice.area))
else:
    page.chart(
        charts.coverage(cover, "Rækker efter type og år", "Alle områder" if whole else queries.area_name(choice.area)),
        cover,
        alt="Varmekort over antal rækker efter datatype og år.",
        caption_text=page.caption(queries.freshness_sources()),
        key="coverage",
        table_columns={"kind_label": "Type", "area": "Område", "year": "År", "rows": "Rækker"},
    )

page.report_button("Data", choice)
