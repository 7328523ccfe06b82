"""What each page of the council report shows, gathered for one choice of municipality, period and options.

This is the only module of the report that calls the query functions and the chart builders: when their
signatures change, this package is the one to adapt. Everything it returns is ``report_model`` data: key figures
and tables as formatted Danish text, charts as Altair objects with the caption every export of them carries.

The sections are in modules by group (``citizens``, ``efforts``, ``appendix``; shared parts in ``_common``), re-exported
here, so callers write ``sections.summary(choice)``.
"""

import queries as queries  # report.py reads the page's presets and names through sections
from presentation.sections._common import (
    ACTIVATION_TARGET as ACTIVATION_TARGET,
    RANKING_TOP as RANKING_TOP,
    RANKING_AROUND as RANKING_AROUND,
    Choice as Choice,
    month_label as month_label,
    span as span,
)
from presentation.sections.citizens import (
    summary as summary,
    overview_figure as overview_figure,
    shared_citizens as shared_citizens,
    visitation as visitation,
    activation as activation,
)
from presentation.sections.efforts import (
    caseload as caseload,
    scenario_inputs as scenario_inputs,
    SCENARIO_LABELS as SCENARIO_LABELS,
    investment_section as investment_section,
    benchmark as benchmark,
)
from presentation.sections.appendix import (
    data_section as data_section,
    load_dates as load_dates,
    source_label as source_label,
    freshness as freshness,
    published_at as published_at,
    SECTIONS as SECTIONS,
    EXTRA_SECTIONS as EXTRA_SECTIONS,
    guidance_lines as guidance_lines,
    break_lines as break_lines,
    municipalities as municipalities,
    forget as forget,
    default_months as default_months,
    other_areas as other_areas,
)
