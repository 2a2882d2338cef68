"""The objects Python scripts see: ``event``, ``platform`` and ``platform.api`` results.

``DotDict`` is a dict whose keys are also attributes, so DreamFactory's
examples work in both spellings: ``event.request.method`` and
``event['request']['method']``, for reading and writing
(``event.response.content = {...}``). Dicts stored into one become
``DotDict`` too (a copy: ``event.response = {}`` then
``event.response.status_code = 400`` works), and so do dicts inside a stored
list. Keys named like dict methods (``items``, ``keys``, ``get``...) are reached
with ``[...]`` only. A missing attribute raises ``AttributeError`` (like
Munch, which DreamFactory's own Python scripting used); ``.get()`` answers
``None``.

``munchify``/``bunchify`` (in every script's namespace, as in DreamFactory)
turn any JSON-like value into these objects.

Only the standard library here: this runs inside the script workers.
"""

from __future__ import annotations

import json
from typing import Any


class DotDict(dict):
    """A dict with attribute access to its keys."""

    __slots__ = ()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, value in self.items():
            wrapped = _wrap(value)
            if wrapped is not value:
                dict.__setitem__(self, key, wrapped)

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, _wrap(value))

    def __dir__(self) -> list[str]:
        return [*dir(type(self)), *(key for key in self if isinstance(key, str))]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def copy(self) -> DotDict:
        return type(self)(self)


def _wrap(value: Any) -> Any:
    """``value`` with plain dicts turned into ``DotDict`` (lists copied only when they hold one)."""
    kind = type(value)
    if kind is dict:
        return DotDict(value)
    if kind is list and any(type(item) in (dict, list) for item in value):
        return [_wrap(item) for item in value]
    return value


def munchify(value: Any) -> Any:
    """Any JSON-like value with its dicts turned into ``DotDict``."""
    if isinstance(value, dict) and not isinstance(value, DotDict):
        return DotDict(value)
    if isinstance(value, list | tuple):
        return [munchify(item) for item in value]
    return value


bunchify = munchify


class ApiResult(DotDict):
    """A ``platform.api`` result: ``status_code``, ``content``, ``content_type``, ``headers``.

    ``read()`` answers the body as text (JSON for structured content), like the
    HTTP response object DreamFactory's Python scripting returned, so
    ``json.loads(result.read())`` works; ``json()`` answers the content itself.
    """

    __slots__ = ()

    def read(self) -> str:
        content = self.get("content")
        if isinstance(content, str):
            return content
        return json.dumps(content)

    def json(self) -> Any:
        content = self.get("content")
        if isinstance(content, str):
            try:
                return munchify(json.loads(content))
            except ValueError:
                return content
        return content


__all__ = ["ApiResult", "DotDict", "bunchify", "munchify"]
