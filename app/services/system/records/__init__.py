"""Generic record semantics for system resources (DreamFactory's ``BaseSystemResource``).

One ``ModelResource`` subclass per resource names its model, its marshmallow
schema and its relations; the verbs come from ``read`` (``GET``) and ``write``
(``POST``, ``PATCH``/``PUT``, ``DELETE``), built on ``base`` (lookups by id,
validation, output with ``fields`` and ``related``), with ``payload`` (records
and options out of a body), ``relations`` (``related=`` and nested writes),
``batch`` (DreamFactory's three batch modes) and ``cascade`` (deleting what
depends on a record, alike on every backend). Subclasses adjust behaviour through hooks (``scope``,
``force_delete_scope``, ``apply``, ``to_output``, ``before_delete``,
``not_found``) instead of re-implementing verbs.
"""

from __future__ import annotations

from app.services.system.records.base import CHILD_RESOURCES, child_resource
from app.services.system.records.read import ReadVerbs
from app.services.system.records.write import WriteVerbs


class ModelResource(ReadVerbs, WriteVerbs):
    """A system resource over one model, with DreamFactory's generic record semantics."""


__all__ = ["CHILD_RESOURCES", "ModelResource", "child_resource"]
