"""The analyst passphrase's guard: a growing wait per client address, then a lockout, and the analyst's name.

The AppTest side (sessions, messages, the log, the name in loads.loaded_by) is in test_upload.py; here the
process-wide failure table is driven directly, with explicit times.
"""

from __future__ import annotations

import threading

import pytest

from presentation import access

ADDRESS = "192.0.2.10"


def test_each_wrong_passphrase_doubles_the_wait_then_the_address_is_locked_out():
    table = access.FailureTable()
    now, waits = 1000.0, []
    for _ in range(4):
        wait, _failures = table.fail(ADDRESS, now)
        waits.append(wait)
        assert table.wait(ADDRESS, now + wait / 2) == (wait / 2, len(waits))  # refused until the wait is over
        now += wait  # the next guess at the earliest moment allowed
    assert waits == [1, 2, 4, 8]
    assert table.wait(ADDRESS, now) == (0.0, 4)
    assert table.fail(ADDRESS, now) == (access.LOCKOUT_SECONDS, 5)
    assert table.wait("192.0.2.11", now) == (0.0, 0)  # another address is not held up
    now += access.LOCKOUT_SECONDS
    assert table.fail(ADDRESS, now) == (access.LOCKOUT_SECONDS, 6)  # every further failure locks again
    # An hour and more without a failure: the count starts over.
    now += access.LOCKOUT_SECONDS + access.FORGET_AFTER + 1
    assert table.fail(ADDRESS, now) == (1, 1)
    table.clear(ADDRESS)  # a right passphrase
    assert table.wait(ADDRESS, now) == (0.0, 0)


@pytest.mark.parametrize(
    "wait, failures, checked, message",
    [
        (1, 1, True, "Forkert adgangskode; prøv igen om 1 sekund."),
        (8, 4, True, "Forkert adgangskode; prøv igen om 8 sekunder."),
        (
            0.2,
            2,
            False,
            "Adgangskoden blev ikke prøvet: efter et forkert forsøg skal der gå lidt tid; prøv igen om 1 sekund.",
        ),
        (300, 5, True, "For mange forkerte forsøg; prøv igen om 5 minutter."),
        (61, 7, False, "For mange forkerte forsøg; prøv igen om 2 minutter."),
        (60, 5, False, "For mange forkerte forsøg; prøv igen om 1 minut."),
    ],
)
def test_the_message_says_how_long_to_wait_in_danish(wait, failures, checked, message):
    assert access.refusal(wait, failures, checked) == message


def test_concurrent_sessions_lose_no_failure():
    table = access.FailureTable()

    def guess():
        for _ in range(300):
            table.fail(ADDRESS, 5000.0)

    threads = [threading.Thread(target=guess) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert table.wait(ADDRESS, 5000.0) == (access.LOCKOUT_SECONDS, 2400)


def test_the_table_forgets_old_addresses_when_it_is_full():
    table = access.FailureTable()
    table.MAX_KEYS = 50
    for n in range(50):
        table.fail(f"198.51.100.{n}", 0.0)
    table.fail(ADDRESS, access.FORGET_AFTER + access.LOCKOUT_SECONDS + 1)  # every earlier run is long over
    assert len(table) == 1

    table = access.FailureTable()
    table.MAX_KEYS = 50
    for n in range(50):
        table.fail(f"198.51.100.{n}", float(n))
    table.fail(ADDRESS, 100.0)  # none is old enough to forget: the oldest tenth gives way
    assert len(table) == 46
    assert table.wait("198.51.100.4", 100.0) == (0.0, 0) and table.wait("198.51.100.5", 100.0) == (0.0, 1)


@pytest.mark.parametrize(
    "typed, name",
    [
        ("  Anne   B. ", "Anne B."),
        ("AB", "AB"),
        ("Søren\tØstergård", "Søren Østergård"),
        ("", None),
        ("   ", None),
        (None, None),
        ("x" * (access.NAME_MAX + 1), None),
        ("A\x00B", None),
        ("A\u202eB", None),
    ],
)
def test_the_analyst_name_is_plain_trimmed_and_short(typed, name):
    assert access.analyst_name(typed) == name
