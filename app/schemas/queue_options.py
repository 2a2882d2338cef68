"""The queue options of a scripted service's config, and the checks made when one is saved.

A scripted service's config carries ``queued`` and, beside it, the options
of ``app.enqueue.options`` (``queue``, ``connection``, ``delay``, ``tries``,
``timeout``, ``backoff``). Saving a config with ``queued`` on an instance
without Redis answers 503 with how to configure it; a bad option is a 400
naming ``config.<option>``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema

from app import enqueue
from app.enqueue import options, producer
from app.vocabulary.errors import ValidationFailed


def check_options(config: dict[str, Any], queued: bool, prefix: str = "") -> None:
    """503 for a queued script without Redis; ValidationFailed naming a bad option."""
    if queued:
        enqueue.require_available()
    if queued or options.has_options(config):
        producer.queue_options(config, prefix=prefix)


class QueueOptionsSchema(Schema):
    """Fields (and their check) for a config that may be run through the job queue."""

    queue = fields.Raw(
        allow_none=True,
        metadata={"label": "Queue", "description": "Queue of the jobs (default: 'default')."},
    )
    connection = fields.Raw(
        allow_none=True,
        metadata={"label": "Queue Connection", "description": "A DF_QUEUE_CONNECTIONS name."},
    )
    delay = fields.Raw(
        allow_none=True,
        metadata={"label": "Delay", "description": "Seconds before a queued call runs."},
    )
    tries = fields.Raw(
        allow_none=True,
        metadata={"label": "Tries", "description": "Attempts before a queued call fails."},
    )
    timeout = fields.Raw(
        allow_none=True,
        metadata={"label": "Timeout", "description": "Seconds one attempt may run."},
    )
    backoff = fields.Raw(
        allow_none=True,
        metadata={"label": "Backoff", "description": "Seconds between attempts (or a list)."},
    )

    @validates_schema(skip_on_field_errors=True)
    def check_queue_options(self, data: dict[str, Any], **kwargs: Any) -> None:
        try:
            check_options(data, bool(data.get("queued")))
        except ValidationFailed as exc:
            raise ValidationError(dict(exc.context or {})) from None
