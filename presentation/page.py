"""Small building blocks every page uses: a chart with its caption and data table, notices, KPI cards."""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl
import streamlit as st

from presentation import formatting as fmt

DEMO_SOURCE = "syntetisk demo"
LOAD_HINT = ("Indlæs et udtræk på siden Data (analytikere) eller med "
             "`python -m pipelines load FIL`.")


def caption(sources: Iterable[str], period: str | None = None, extra: str | None = None) -> str:
    """Source line under a chart: source, period and, where it applies, the synthetic-data warning."""
    sources = sorted({s for s in sources if s})
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
    return " · ".join(parts)


def chart(figure, data: pl.DataFrame, *, alt: str, caption_text: str, key: str,
          table_columns: dict[str, str] | None = None) -> None:
    """Render a chart, its caption and, on demand, the data behind it as a table (the text alternative)."""
    st.altair_chart(figure, width="stretch", alt=alt, key=key)
    st.caption(caption_text)
    with st.expander("Vis data som tabel"):
        table(data, table_columns)


def table(data: pl.DataFrame, columns: dict[str, str] | None = None) -> None:
    """A data table with Danish column names; only the named columns when ``columns`` is given."""
    if columns:
        data = data.select([pl.col(c).alias(label) for c, label in columns.items() if c in data.columns])
    st.dataframe(data, hide_index=True, width="stretch")


def no_data(what: str, area: str) -> None:
    st.info(f"Der er ingen data om {what} for {area}. {LOAD_HINT}")


def format_value(value: float | None, unit: str) -> str:
    if unit == "pct":
        return fmt.fmt_pct(value)
    if unit == "kr":
        return fmt.fmt_mio(value)
    if unit == "sager":
        return fmt.fmt_num(value, 1)
    return fmt.fmt_int(value)


def kpi_card(container, kpi, link: str | None = None) -> None:
    """One key figure: the value, the change from a year earlier and the national level."""
    delta = None
    if kpi.value is not None and kpi.previous is not None:
        diff = kpi.value - kpi.previous
        delta = (fmt.fmt_num(diff, 1) + " pct.-point") if kpi.unit == "pct" else format_value(diff, kpi.unit)
        if diff > 0 and not delta.startswith("+"):
            delta = "+" + delta
    helps = []
    if kpi.national is not None:
        helps.append(f"Hele landet: {format_value(kpi.national, kpi.unit)}")
    if kpi.note:
        helps.append(kpi.note)
    with container:
        st.metric(kpi.label, format_value(kpi.value, kpi.unit), delta=delta,
                  delta_color="inverse" if kpi.lower_is_better else "normal",
                  delta_description="fra året før" if delta else None, help=" · ".join(helps) or None,
                  border=True)
        if helps:
            st.caption(" · ".join(helps))
        if link:
            # A plain link carrying the filters: it works from any page and can be shared.
            st.markdown(f"[Se detaljer]({link})")
