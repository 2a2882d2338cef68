"""The base of every service type: resources, verbs it answers, the listing of resources.

Services never see Flask's request: they receive a ``ServiceRequest``
(``app.vocabulary.calls``) however the call arrived.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from app.services.access_list import access_list, components
from app.vocabulary.calls import ServiceRequest
from app.vocabulary.errors import BadRequest, NotFound
from app.vocabulary.flags import to_bool
from app.vocabulary.verbs import SERVICE_VERB_NAMES

if TYPE_CHECKING:
    from marshmallow import Schema

    from app.system_cache import ServiceInfo

VERBS = SERVICE_VERB_NAMES


Handler = Callable[[ServiceRequest, list[str]], Any]


class Resource:
    """A named part of a service answering some verbs; methods are ``get``, ``post``, ...

    A method receives the request and the path segments after the resource's
    own name, and returns a ``ServiceResponse`` or plain data (200).
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    singleton: ClassVar[bool] = False
    read_only: ClassVar[bool] = False
    handles_itself: ClassVar[bool] = False
    """The resource has a ``handle`` of its own (it answers every verb), set per subclass."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handles_itself = cls.handle is not Resource.handle

    def __init__(self, service: BaseService) -> None:
        self.service = service

    def handle(self, request: ServiceRequest, rest: list[str]) -> Any:
        handler = getattr(self, request.method.lower(), None)
        if handler is None:
            raise unsupported_verb(request, self.service.name)
        return handler(request, rest)

    @classmethod
    def info(cls) -> dict[str, Any]:
        return {
            "name": cls.name,
            "label": cls.label or cls.name.replace("_", " ").title(),
            "description": cls.description,
            "class_name": f"{cls.__module__}.{cls.__qualname__}",
            "singleton": cls.singleton,
            "read_only": cls.read_only,
            "subscription_required": None,
        }


def unsupported_verb(request: ServiceRequest, service_name: str) -> BadRequest:
    verb = request.method.capitalize()
    if request.resource:
        return BadRequest(
            f"{verb} requests for resource '{request.resource}' are not currently "
            f"supported by the '{service_name}' service."
        )
    return BadRequest(
        f"{verb} requests without a resource are not currently supported "
        f"by the '{service_name}' service."
    )


class BaseService:
    """A service type: subclasses declare their identity and config schema, and handle calls.

    The default ``handle`` routes the first path segment to a ``Resource``
    class in ``resources`` and answers ``GET`` on the root with the resource
    list, as DreamFactory's REST handlers do.
    """

    type: ClassVar[str] = ""
    label: ClassVar[str] = ""
    group: ClassVar[str] = ""
    description: ClassVar[str] = ""
    singleton: ClassVar[bool] = False
    config_schema: ClassVar[type[Schema] | None] = None
    resources: ClassVar[Mapping[str, type[Resource]]] = {}
    access_exceptions: ClassVar[dict[str, int]] = {}
    """Component → verb mask reachable without any role permission (login, register...)."""
    raw_body: ClassVar[bool] = False
    """True: the REST controller leaves bodies unparsed in ``ServiceRequest.stream`` (file
    uploads), except form bodies and small JSON ones (see ``blueprints.payloads``)."""
    event_params: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Resource → names of its path parameters in event names (``_table`` → table_name, id)."""
    event_verbs: ClassVar[dict[str, tuple[str, ...]]] = {}
    """Resource → the verbs its events are listed for, when its methods don't say."""
    root_event_verbs: ClassVar[tuple[str, ...]] = ("get",)
    """Verbs listed for the service-level event (``db.get``)."""

    def __init__(self, info: ServiceInfo) -> None:
        self.info = info
        self.id = info.id
        self.name = info.name
        self.config: dict[str, Any] = dict(info.config or {})

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """Whether this type can run here (drivers present); a reason when not."""
        return True, ""

    def handle(self, request: ServiceRequest) -> Any:
        segments = request.segments
        if not segments:
            return self.handle_root(request)
        resource_cls = self.find_resource(segments)
        if resource_cls is None:
            raise NotFound(f"Resource '{segments[0]}' not found for service '{self.name}'.")
        depth = resource_cls.name.count("/") + 1
        return resource_cls(self).handle(request, segments[depth:])

    def find_resource(self, segments: list[str]) -> type[Resource] | None:
        """The longest registered resource name matching the path (``admin/session`` first)."""
        for depth in range(len(segments), 0, -1):
            cls = self.resources.get("/".join(segments[:depth]).lower())
            if cls is not None:
                return cls
        return None

    def handle_root(self, request: ServiceRequest) -> Any:
        if request.method != "GET":
            raise unsupported_verb(request, self.name)

        if to_bool(request.param("as_access_list")):
            return access_list(self.name, self.access_components(request), request)
        return list_resources(request, self.resource_infos())

    def resource_infos(self) -> Iterable[dict[str, Any]]:
        return [cls.info() for cls in self.resources.values()]

    def access_components(self, request: ServiceRequest) -> list[str]:
        """Role components below the root for ``?as_access_list=true``: each resource's
        ``name/`` and ``name/*`` (a service whose resources hold named things adds those)."""
        names = [info["name"] for info in self.resource_infos()]
        return [item for name in names for item in components(name, ())]

    def event_parameter_values(self) -> dict[str, list[str]]:
        """Known values of event path parameters (table names...), for the event map."""
        return {}


def list_resources(request: ServiceRequest, infos: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A service root's resource list: names only, ``as_list``, or ``fields=*``/a field list."""
    infos = list(infos)
    if to_bool(request.param("as_list")):
        return {"resource": [i["name"] for i in infos]}
    fields = request.param("fields")
    if fields in (None, ""):
        return {"resource": [{"name": i["name"]} for i in infos]}
    if fields == "*":
        return {"resource": infos}
    wanted = [f.strip() for f in fields.split(",") if f.strip()]
    return {"resource": [{k: i.get(k) for k in wanted if k in i} for i in infos]}
