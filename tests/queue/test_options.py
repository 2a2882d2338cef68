"""A queued script's options: defaults from settings, digit strings, backoff, errors by field."""

from __future__ import annotations

import pytest

from app.enqueue.options import parse
from app.vocabulary.errors import ValidationFailed

DEFAULTS = {"QUEUE_DEFAULT": "default", "QUEUE_TRIES": 1, "QUEUE_TIMEOUT": 60, "QUEUE_BACKOFF": 10}


def test_defaults_come_from_the_settings():
    opts = parse({}, DEFAULTS)
    assert (opts.queue, opts.connection, opts.delay, opts.tries, opts.timeout) == (
        "default",
        None,
        0,
        1,
        60,
    )
    assert opts.backoff == () and opts.explicit == frozenset()


def test_given_options_win_and_are_remembered_as_explicit():
    opts = parse(
        {"queue": "high", "connection": "reports", "delay": "30", "tries": 4, "timeout": 5.0},
        {**DEFAULTS, "QUEUE_TRIES": 2},
        connections=["default", "reports"],
    )
    assert (opts.queue, opts.connection, opts.delay, opts.tries, opts.timeout) == (
        "high",
        "reports",
        30,
        4,
        5,
    )
    assert opts.backoff == (10, 20, 40)  # the default base, doubled per retry
    assert opts.explicit == {"queue", "connection", "delay", "tries", "timeout"}


@pytest.mark.parametrize(
    ("backoff", "expected"),
    [(0, (0, 0, 0)), (3, (3, 6, 12)), ([1, 5], (1, 5, 5)), ([], (0, 0, 0)), ("7", (7, 14, 28))],
)
def test_backoff_is_a_base_or_a_list(backoff, expected):
    assert parse({"tries": 4, "backoff": backoff}, DEFAULTS).backoff == expected


def test_every_bad_option_is_named_with_the_prefix():
    with pytest.raises(ValidationFailed) as caught:
        parse(
            {"queue": "", "delay": -5, "tries": 0, "timeout": True, "connection": "x"},
            DEFAULTS,
            connections=["default"],
            prefix="config.",
        )
    assert sorted(caught.value.context) == [
        "config.connection",
        "config.delay",
        "config.timeout",
        "config.tries",
    ]
    assert caught.value.status == 400
