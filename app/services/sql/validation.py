"""DreamFactory's field validation rules, applied to written values.

Rules come from a field's ``validation`` remembered by ``_schema`` (see
``extras``), e.g. ``{"not_empty": null, "picklist": {"on_fail": "Pick one."}}``.
Each rule may carry ``on_fail``: ``ignore_field`` drops the field from the
write instead of failing, any other text replaces the error message. The
rules and their default messages follow DreamFactory's
``BaseDbTableResource::validateFieldValue``:

- ``api_read_only``: the field can not be written through the API;
- ``create_only``: only on create, not on update;
- ``not_null``, ``not_empty``, ``not_zero``;
- ``email``, ``url``, ``int`` (``range: {min, max}``), ``float``, ``boolean``;
- ``match`` (``regexp``, PHP-style ``/.../`` delimiters accepted);
- ``picklist`` / ``multi_picklist`` (``delimiter``, default ``,``): values
  from the field's ``picklist``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from app.vocabulary.errors import BadRequest
from app.vocabulary.flags import FALSE_WORDS, TRUE_WORDS

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL = re.compile(r"^[a-z][a-z0-9+.-]*://[^\s/?#]+[^\s]*$", re.IGNORECASE)
INTEGER = re.compile(r"^[+-]?\d+$")
FLOAT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")

IGNORE = "ignore_field"


@functools.lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern[str]:
    """A ``match`` rule's pattern; ``/x/i`` style delimiters and flags are understood."""
    flags = 0
    if len(text) > 1 and text[0] == "/" and text.rfind("/") > 0:
        end = text.rfind("/")
        for flag in text[end + 1 :]:
            flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}.get(flag, 0)
        text = text[1:end]
    return re.compile(text, flags)


def _bound(value: Any) -> int | None:
    """A range bound of an ``int`` rule; one that is no number bounds nothing."""
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


def _empty(value: Any) -> bool:
    return value in ("", [], {}, 0, 0.0, "0", False)


def _fails(rule: str, config: dict, value: Any, picklist: list[str], updating: bool) -> str | None:
    """The default message when ``value`` breaks ``rule``, else None."""
    text = str(value) if value is not None else None
    if rule == "api_read_only":
        return "Field '{}' is read only."
    if rule == "create_only":
        return "Field '{}' can only be set during record creation." if updating else None
    if rule == "not_null":
        return "Field '{}' value can not be null." if value is None else None
    if rule in ("not_empty", "not_zero"):
        return "Field '{}' value can not be empty." if value is not None and _empty(value) else None
    if value is None or text == "":
        return None
    if rule == "email" and not EMAIL.match(text):
        return "Field '{}' value must be a valid email address."
    if rule == "url" and not URL.match(text):
        return "Field '{}' value is not a valid URL."
    if rule == "int":
        if isinstance(value, bool) or not INTEGER.match(text.strip()):
            return "Field '{}' value is not a valid integer."
        bounds = config.get("range") if isinstance(config.get("range"), dict) else {}
        number = int(text)
        low, high = _bound(bounds.get("min")), _bound(bounds.get("max"))
        if (low is not None and number < low) or (high is not None and number > high):
            return "Field '{}' value is not in the valid range."
    if rule == "float" and (isinstance(value, bool) or not FLOAT.match(text.strip())):
        return "Field '{}' value is not a valid float."
    if rule == "boolean" and not isinstance(value, bool):
        if text.strip().lower() not in TRUE_WORDS | FALSE_WORDS:
            return "Field '{}' value is not a valid boolean."
    if rule == "match":
        regexp = config.get("regexp")
        if isinstance(regexp, str) and regexp and not _pattern(regexp).search(text):
            return "Field '{}' value is invalid."
    if rule == "picklist" and text not in picklist:
        return "Field '{}' value is invalid."
    if rule == "multi_picklist":
        delimiter = str(config.get("delimiter") or ",")
        if any(part.strip() not in picklist for part in text.split(delimiter)):
            return "Field '{}' value is invalid."
    return None


def check(name: str, value: Any, facts: dict[str, Any], updating: bool) -> bool:
    """Apply the field's rules: True to write the value, False to drop it; 400 on failure."""
    rules = facts.get("validation")
    if not isinstance(rules, dict):
        return True
    picklist = [str(v) for v in facts.get("picklist") or []]
    for rule, config in rules.items():
        config = config if isinstance(config, dict) else {}
        problem = _fails(rule, config, value, picklist, updating)
        if problem is None:
            continue
        on_fail = config.get("on_fail")
        if on_fail == IGNORE:
            return False
        custom = isinstance(on_fail, str) and on_fail
        raise BadRequest(str(on_fail) if custom else problem.format(name))
    return True
