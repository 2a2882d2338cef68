"""``GET /api/v2/{service}?as_access_list=true``: the role components a service offers.

DreamFactory's admin app builds role access rows from this list: the service
root (``""``), every component (``*``), then each resource as ``name/`` and
``name/*``, and below a resource what it holds (a database's tables, a file
service's folders) the same way. Only components the caller's role reaches
with some verb are listed (a system admin sees all); ``x/*`` is listed when
``x`` is reached, as in DreamFactory.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.access.authz import verb_mask

if TYPE_CHECKING:
    from app.vocabulary.calls import ServiceRequest


def components(resource: str, names: Iterable[str]) -> list[str]:
    """``resource/`` and ``resource/*``, then ``resource/name/`` and ``resource/name/*`` each."""
    found = [f"{resource}/", f"{resource}/*"]
    for name in names:
        found += [f"{resource}/{name}/", f"{resource}/{name}/*"]
    return found


def access_list(service: str, offered: Iterable[str], request: ServiceRequest) -> dict[str, Any]:
    """The components a service offers (its ``access_components``) that the caller's
    role reaches, after the root (``""``) and every component (``*``)."""
    candidates = ["", "*", *offered]
    actor = request.actor
    if actor is None:  # an internal call without a caller: nothing to filter by
        return {"resource": candidates}
    return {
        "resource": [
            item for item in candidates if verb_mask(actor, service, item.rstrip("*").rstrip("/"))
        ]
    }
