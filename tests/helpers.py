"""What several test files share besides fixtures (those are in conftest.py): the demo's fixed horizon and the
check that a rejected extract changed nothing."""

from __future__ import annotations

import pytest

from pipelines import loader

# A fixed last month keeps the demo (and so every figure tests read from it) the same on any date.
DEMO_UNTIL = "2026M09"


def state(con) -> tuple:
    """What must not change when an extract is rejected: the loads and every fact table's rows."""
    loads = con.execute("select load_id, kind, rows, status from load_log order by load_id").fetchall()
    counts = tuple(
        con.execute(f"select count(*), count(replaced_by) from {k.table}").fetchall()[0] for k in loader.KINDS.values()
    )
    return loads, counts


def rejected(con, path, kind=None) -> list:
    """Load a file that must be rejected; return its problems after checking nothing changed."""
    before = state(con)
    with pytest.raises(loader.ExtractRejected) as info:
        loader.load(path, kind, source="test", con=con)
    assert state(con) == before
    return info.value.problems
