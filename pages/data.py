"""Data: what is loaded, with provenance, and where the data cover; analysts upload and undo here."""

import streamlit as st

import queries
from pipelines.errors import ExtractRejected, LoadNotFound, PipelineError
from presentation import access, charts, filters, page
from presentation.formatting import fmt_int

page.start("Data")
choice = filters.sidebar_filters()
who = access.sidebar_access()
if flash := st.session_state.pop("_data_flash", None):
    st.success(flash, icon=":material/check_circle:")

if who.is_analyst:
    st.header("Indlæs udtræk")
    st.caption(f"CSV (jobindsats: ';' og decimalkomma), Excel (.xlsx), Parquet eller jobindsats-JSON. Højst "
               f"{queries.uploads.MAX_UPLOAD_MB} MB og {fmt_int(queries.uploads.MAX_UPLOAD_ROWS)} rækker pr. fil. "
               "Filen kontrolleres først; intet indlæses før du bekræfter.")
    files = st.file_uploader("Vælg filer", type=["csv", "txt", "xlsx", "parquet", "json"],
                             accept_multiple_files=True, key="uploads")
    for number, upload in enumerate(files or []):
        data = upload.getvalue()
        review = queries.review_upload(upload.name, data)
        with st.container(border=True):
            if not review.ok:
                st.error(f"{upload.name} er afvist: {len(review.problems)} fejl. Intet er indlæst.",
                         icon=":material/error:")
                page.table(review.problem_table())
                if review.warnings:
                    st.caption("Advarsler")
                    page.table(review.warning_table())
                continue
            st.success(f"{upload.name}: {review.kind_label}, {fmt_int(review.rows)} rækker, "
                       f"{len(review.areas)} områder, perioder {review.periods[0]}–{review.periods[-1]}.",
                       icon=":material/check_circle:")
            for line in review.replaces:
                st.write(line)
            if review.warnings:
                st.warning(f"{len(review.warnings)} advarsler (indlæsningen kan fortsætte).",
                           icon=":material/warning:")
                page.table(review.warning_table())
            st.caption("De første rækker")
            page.table(review.preview)
            if st.button(f"Indlæs {upload.name}", key=f"commit_{number}_{upload.name}", type="primary"):
                with st.status(f"Indlæser {upload.name} …", expanded=True) as status:
                    bar = st.progress(0.0)
                    try:
                        result = queries.commit_upload(upload.name, data, who.user,
                                                       progress=lambda step, frac: bar.progress(frac, text=step))
                    except ExtractRejected as exc:
                        status.update(label=f"{upload.name} blev afvist", state="error")
                        page.table(queries.uploads.Review(upload.name, False, problems=exc.problems).problem_table())
                    else:
                        text = (f"{upload.name} var allerede indlæst (nr. {result.load_id}); intet ændret."
                                if result.skipped_identical else
                                f"{upload.name} indlæst som nr. {result.load_id}: {fmt_int(result.rows)} rækker, "
                                f"{fmt_int(result.replaced_rows)} erstattet.")
                        status.update(label=text, state="complete")

if who.is_analyst:
    with st.expander("Hent fra jobindsats", icon=":material/cloud_download:"):
        st.caption("Henter direkte fra jobindsats.dk's API (nøgle i JOBINDSATS_API_KEY eller secrets) og indlæser "
                   "med samme kontrol som en upload.")
        with st.form("jobindsats"):
            table_id = st.selectbox("Tabel", queries.jobindsats_tables())
            wanted = st.multiselect("Områder (tom = alle)", queries.areas()["area_name"].to_list(),
                                    placeholder="Alle områder")
            period = st.text_input("Perioder", "l(M:24)", help="l(M:24) = de seneste 24 måneder; eller fx 2024M01")
            fetch = st.form_submit_button("Hent og indlæs")
        if fetch:
            with st.status(f"Henter {table_id} …", expanded=True) as status:
                try:
                    result = queries.fetch_from_jobindsats(table_id, wanted or "*", period, who.user)
                except PipelineError as exc:
                    status.update(label="Hentningen mislykkedes; intet er ændret", state="error")
                    st.error(str(exc), icon=":material/error:")
                else:
                    status.update(label=f"{table_id} indlæst som nr. {result.load_id}: {fmt_int(result.rows)} rækker",
                                  state="complete")

st.header("Indlæsninger")
loads = queries.loads_list()
page.table(loads, {"load_id": "Nr.", "file_name": "Fil", "kind": "Type", "rows": "Rækker",
                   "replaced_rows": "Erstattede rækker", "loaded_at": "Indlæst", "loaded_by": "Af", "source": "Kilde",
                   "period_from": "Fra", "period_to": "Til"})
if who.is_analyst and not loads.is_empty():
    with st.expander("Fortryd en indlæsning"):
        ids = loads["load_id"].to_list()
        names = dict(zip(ids, loads["file_name"].to_list()))
        chosen = st.selectbox("Indlæsning", ids, format_func=lambda i: f"{i}: {names[i]}", key="undo_choice")
        sure = st.checkbox(f"Ja, fjern indlæsning {chosen} ({names[chosen]}) og bring det, den erstattede, tilbage",
                           key="undo_confirm")
        if st.button("Fortryd indlæsning", disabled=not sure, key="undo_button"):
            try:
                removed = queries.undo_load(chosen, who.user)
            except LoadNotFound as exc:
                st.error(str(exc), icon=":material/error:")
            else:
                st.session_state["_data_flash"] = f"Indlæsning {chosen} er fortrudt: {fmt_int(removed)} rækker fjernet."
                st.rerun()

st.header("Dækning")
whole = st.toggle("Hele lageret", value=False, help="Alle områder i stedet for den valgte kommune.")
cover = queries.coverage("*" if whole else choice.area)
if cover.is_empty():
    page.no_data("indlæste data", queries.area_name(choice.area))
else:
    page.chart(charts.coverage(cover, "Rækker efter type og år",
                               "Alle områder" if whole else queries.area_name(choice.area)), cover,
               alt="Varmekort over antal rækker efter datatype og år.",
               caption_text=page.caption(queries.freshness_sources()), key="coverage",
               table_columns={"kind_label": "Type", "area": "Område", "year": "År", "rows": "Rækker"})

page.report_button("Data")
