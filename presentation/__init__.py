"""What the pages show and how they show it, in two groups.

Pure builders: no Streamlit and no warehouse; plain data in, Danish text, charts or files out, so each is
tested on plain data (an import-linter contract in pyproject.toml keeps them so):
- ``formatting``: Danish numbers, dates and month names, text made safe for Markdown, the Vega locale;
- ``charts``: the Altair chart builders;
- ``export``: a chart as PNG, SVG or PDF, its data as CSV or XLSX, a page's charts as one report PDF;
- ``investment``: the Investering page's words for the investment figures;
- ``memo``: the small most-recently-used store the chart builders and the page helpers share.

Streamlit page helpers: they draw widgets and read through ``queries``:
- ``page``: a page's frame (title, the pinned snapshot, notices), a chart with its caption, data table and
  exports, KPI cards, an extract's review and a load with its progress;
- ``filters``: the sidebar filters every page shares, kept in the session and in the URL;
- ``access``: who may change data (OIDC login, analyst passphrase or the open local mode);
- ``uploader``: the Data page's file uploader and the server route that writes its files to disk;
- ``inputs``: number fields that read and show Danish numbers;
- ``errors``: the last stop for an error a page did not handle (a Danish message, the traceback in the log).
"""
