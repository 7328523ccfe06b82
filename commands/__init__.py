"""The app's command side: what the Data page changes (``writes``), beside the read side in ``queries``.

Reads and writes differ in every way that matters here: a query reads the pinned published snapshot in the page's
own process, cached; a write is checked against the installation (``HELHEDSBLIK_READ_ONLY``) and handed to the
writer machinery of ``pipelines`` (an upload's review and confirmation run as jobs in processes of their own,
every other write in a write session that publishes a new snapshot). Keeping them apart lets ``queries`` stay
a read-only layer and gives the page helpers one door to every change (an import-linter contract in
pyproject.toml holds ``presentation`` to it).
"""
