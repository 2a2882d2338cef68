"""Generic record semantics for system resources (DreamFactory's ``BaseSystemResource``).

One ``ModelResource`` subclass per resource names its model, its marshmallow
schema and its relations; the verbs come from ``records_read`` (``GET``) and
``records_write`` (``POST``, ``PATCH``/``PUT``, ``DELETE``), built on
``records_base`` (lookups by id, validation, output with ``fields`` and
``related``). Subclasses adjust behaviour through hooks (``scope``,
``force_delete_scope``, ``apply``, ``to_output``, ``before_delete``,
``not_found``) instead of re-implementing verbs.
"""

from __future__ import annotations

from app.services.system.records_base import CHILD_RESOURCES, child_resource
from app.services.system.records_read import ReadVerbs
from app.services.system.records_write import WriteVerbs


class ModelResource(ReadVerbs, WriteVerbs):
    """A system resource over one model, with DreamFactory's generic record semantics."""


__all__ = ["CHILD_RESOURCES", "ModelResource", "child_resource"]
