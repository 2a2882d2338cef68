"""A package's records into this instance (``POST system/package`` with the zip as body).

Records are created in DreamFactory's order, each through the dispatcher as the
caller: roles (their lookups with them), services, the roles' service accesses, apps,
users and admins (with their app roles, no password: they set one with a reset),
CORS rules, lookups, limits, e-mail templates, custom settings, event scripts, then
each database service's tables. Ids are remapped by name: a package's ids are those
of the instance it came from. Each record answers on its own, as a batch with
``continue`` does: ``{"api", "name", "id"}`` once created, or ``{"api", "name",
"error": {"code", "message"}}``: 409 for a name this instance has already (it is
left as it is), or the refusal of the create itself. What could not be carried over
(a role or service a record names that is in neither the package nor this instance)
is said in ``log``, as DreamFactory does.

With ``overwrite`` (DreamFactory's option), a record whose name this instance has
already is updated instead (``PATCH``, answered ``{"api", "name", "id", "overwritten":
true}`` and noted in ``log``): its own fields, not its related records, except that
an overwritten role gets the package's service accesses it lacks (as DreamFactory,
which skips duplicates); a table gets the package's definition (``PATCH
{service}/_schema/{table}``: fields added or changed, none dropped). Masked secrets
are not in a package, so an overwritten service's config keeps the secrets it has.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import orjson

from app.dispatch.calls import Caller
from app.dispatch.config_package.manifest import PEOPLE
from app.services.describe import MASK
from app.vocabulary.calls import ServiceResponse
from app.vocabulary.errors import ApiError, BadRequest, Conflict, NotFound

MEMBER_LIMIT = 64 * 1024 * 1024
"""The largest JSON file read from a package, in bytes (uncompressed)."""

COMMON_FIELDS = ("id", "created_date", "last_modified_date", "created_by_id", "last_modified_by_id")
"""Fields of the source instance that a created record gets anew."""

SEEDED_SERVICES = ("system", "api_docs", "files", "logs", "db", "user", "email")
"""Seeded services: an id a package names without its record is taken to be the same here."""

BY_NAME = ("custom",)
"""System resources whose records are addressed by name, having no id."""

GENERIC = ("cors", "lookup", "limit", "email_template", "custom")
"""System resources created as they are, after roles, services, apps and people."""


class Package:
    """An opened package: its manifest and the records of each resource file."""

    def __init__(self, data: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
        except zipfile.BadZipFile:
            raise BadRequest("The package is not a zip file.") from None
        manifest = self._json("package.json")
        if not isinstance(manifest, dict):
            raise BadRequest("Cannot read package manifest (package.json).")
        if "version" not in manifest or "df_version" not in manifest:
            raise BadRequest("Invalid package supplied.")
        if manifest.get("secured"):
            raise BadRequest("Secured (password-encrypted) packages are not supported.")
        self.manifest = manifest

    def _json(self, name: str) -> Any:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > MEMBER_LIMIT:
            raise BadRequest(f"{name} is too large.")
        try:
            return orjson.loads(self.zip.read(info))
        except orjson.JSONDecodeError:
            raise BadRequest(f"{name} is not valid JSON.") from None
        except (zipfile.BadZipFile, RuntimeError, ValueError) as exc:  # encrypted, corrupt
            raise BadRequest(f"Cannot read {name}: {exc}") from None

    def records(self, service: str, resource: str) -> list[dict[str, Any]]:
        found = self._json(f"{service}/{resource}.json")
        if found is None:
            return []
        if not isinstance(found, list) or not all(isinstance(r, dict) for r in found):
            raise BadRequest(f"{service}/{resource}.json is not a list of records.")
        return found

    def schema_services(self) -> list[str]:
        services = self.manifest.get("service") or {}
        return [
            name
            for name, items in services.items()
            if name != "system" and isinstance(items, dict) and "_schema" in items
        ]


class Importer:
    """One import: the package, its caller, and what each record answered."""

    def __init__(self, caller: Caller, package: Package, overwrite: bool = False) -> None:
        self.caller = caller
        self.package = package
        self.overwrite = overwrite
        self.overwritten: set[tuple[str, str]] = set()
        """(kind, name) of the records this import overwrote."""
        self.items: list[dict[str, Any]] = []
        self.log: dict[str, list[str]] = {}
        self.ids: dict[tuple[str, str], int | None] = {}

    def run(self) -> ServiceResponse:
        roles = self.package.records("system", "role")
        for role in roles:
            fields = _clean(role, keep=("lookup_by_role_id",))
            lookups = fields.get("lookup_by_role_id") or []
            fields["lookup_by_role_id"] = [_strip(lookup, ("role_id",)) for lookup in lookups]
            self._create("role", role.get("name"), fields)
        for service in self.package.records("system", "service"):
            self._create("service", service.get("name"), self._service_fields(service))
        for role in roles:
            self._add_accesses(role)
        for app in self.package.records("system", "app"):
            fields = _clean(app)
            self._remap(fields, "role_id", "role", app.get("name"))
            self._remap(fields, "storage_service_id", "service", app.get("name"))
            self._create("app", app.get("name"), fields)
        for kind in PEOPLE:
            for person in self.package.records("system", kind):
                self._create(kind, person.get("email"), self._person_fields(person))
        for kind in GENERIC:
            for record in self.package.records("system", kind):
                fields = _clean(record)
                for field, target in (
                    ("role_id", "role"),
                    ("service_id", "service"),
                    ("user_id", "user"),
                ):
                    self._remap(fields, field, target, record.get("name"))
                self._create(kind, _key_value(kind, record), fields)
        for script in self.package.records("system", "event_script"):
            self._create_script(script)
        for service in self.package.schema_services():
            for table in self.package.records(service, "_schema"):
                self._create_table(service, table)
        created = any("error" not in item for item in self.items)
        return ServiceResponse(
            content={"success": created, "log": self.log, "resource": self.items},
            status=201 if created else 200,
        )

    # -- creating -----------------------------------------------------------------------

    def _create(self, kind: str, name: Any, fields: dict[str, Any]) -> None:
        api = f"system/{kind}"
        if not name:
            self._failed(api, name, BadRequest(f"A {kind} without its {_key(kind)}."))
            return
        try:
            if self._exists(kind, name):
                if not self.overwrite:
                    raise Conflict(f"{api} '{name}' exists already.")
                self._overwrite(kind, name, fields)
                return
            created = self.caller.call("POST", "system", kind, payload={"resource": [fields]})
        except ApiError as exc:
            self._failed(api, name, exc)
            return
        new_id = _first(created).get("id")
        self.ids[(kind, str(name))] = new_id
        self.items.append({"api": api, "name": name, "id": new_id})

    def _overwrite(self, kind: str, name: Any, fields: dict[str, Any]) -> None:
        """``overwrite``: the existing record gets the package's own fields (``PATCH``)."""
        found = None if kind in BY_NAME else self._find("system", kind, name)
        own = {k: v for k, v in fields.items() if "_by_" not in k}
        left_out = (self.package.manifest.get("secrets_left_out") or {}).get(
            f"system/{kind}/{name}"
        )
        if kind == "service" and isinstance(own.get("config"), dict) and left_out:
            # the mask written back keeps the secret this instance has
            own["config"] = {**own["config"], **{key: MASK for key in left_out}}
        target = f"{kind}/{found}" if found is not None else f"{kind}/{name}"
        self.caller.call("PATCH", "system", target, payload=own)
        self.ids[(kind, str(name))] = found
        self._overwrote(f"system/{kind}", name, kind, found)

    def _overwrote(self, api: str, name: Any, kind: str, found: Any = None) -> None:
        self.overwritten.add((kind, str(name)))
        item = {"api": api, "name": name, "overwritten": True}
        if found is not None:
            item["id"] = found
        self.items.append(item)
        self._note("notice", f"Overwrote duplicate found for {api} with {_key(kind)} {name}")

    def _create_script(self, script: dict[str, Any]) -> None:
        name = script.get("name")
        api = "system/event_script"
        try:
            if not name or "/" in str(name):
                raise BadRequest("An event script without a valid name.")
            fields = _clean(script)
            self._remap(fields, "storage_service_id", "service", name)
            if self._there(f"{api} '{name}'", "system", f"event_script/{name}"):
                self.caller.call("PATCH", "system", f"event_script/{name}", payload=fields)
                self._overwrote(api, name, "event_script")
                return
            self.caller.call("POST", "system", f"event_script/{name}", payload=fields)
        except ApiError as exc:
            self._failed(api, name, exc)
            return
        self.items.append({"api": api, "name": name})

    def _there(self, what: str, service: str, resource: str) -> bool:
        """Whether a record named by its path exists: 409 unless ``overwrite``, then True."""
        try:
            self.caller.call("GET", service, resource)
        except NotFound:
            return False
        if not self.overwrite:
            raise Conflict(f"{what} exists already.")
        return True

    def _create_table(self, service: str, table: dict[str, Any]) -> None:
        name = table.get("name")
        api = f"{service}/_schema"
        try:
            if not isinstance(name, str) or not name or "/" in name:
                raise BadRequest("A table without a valid name.")
            if self._there(f"{api} '{name}'", service, f"_schema/{name}"):
                self.caller.call("PATCH", service, f"_schema/{name}", payload=table)
                self._overwrote(api, name, "_schema")
                return
            self.caller.call("POST", service, "_schema", payload={"resource": [table]})
        except ApiError as exc:
            self._failed(api, name, exc)
            return
        self.items.append({"api": api, "name": name})

    def _add_accesses(self, role: dict[str, Any]) -> None:
        name = role.get("name")
        new_id = self.ids.get(("role", str(name)))
        accesses = role.get("role_service_access_by_role_id") or []
        if new_id is None or not accesses:
            return
        rows = []
        for access in accesses:
            row = _clean(access)
            row.pop("role_id", None)
            if access.get("service_id") is not None:
                row["service_id"] = self._new_id("service", access["service_id"])
                if row["service_id"] is None:
                    self._note(
                        "warning",
                        f"Skipping a service access of role {name}: "
                        f"service {access['service_id']} not found.",
                    )
                    continue
            rows.append(row)
        if ("role", str(name)) in self.overwritten:
            rows = self._new_accesses(new_id, rows)
        if not rows:
            return
        try:
            self.caller.call(
                "PATCH",
                "system",
                f"role/{new_id}",
                payload={"role_service_access_by_role_id": rows},
            )
        except ApiError as exc:
            self._failed("system/role", name, exc)

    def _new_accesses(self, role_id: int, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The accesses an overwritten role does not have yet (DreamFactory skips duplicates)."""
        role = self.caller.call(
            "GET", "system", f"role/{role_id}", params={"related": "role_service_access_by_role_id"}
        )
        have = {_access_key(a) for a in role.get("role_service_access_by_role_id") or []}
        return [row for row in rows if _access_key(row) not in have]

    # -- record fields ------------------------------------------------------------------

    def _service_fields(self, service: dict[str, Any]) -> dict[str, Any]:
        fields = _clean(service, keep=("service_doc_by_service_id",))
        doc = fields.get("service_doc_by_service_id")
        if isinstance(doc, dict):
            fields["service_doc_by_service_id"] = _strip(doc, ("service_id",))
        config = dict(fields.get("config") or {})
        if config.get("default_role"):
            config["default_role"] = self._new_id("role", config["default_role"])
            if config["default_role"] is None:
                self._note("warning", f"Service {service.get('name')}: default role not found.")
                del config["default_role"]
        if "config" in fields:
            fields["config"] = config
        return fields

    def _person_fields(self, person: dict[str, Any]) -> dict[str, Any]:
        fields = _clean(person, keep=("user_to_app_to_role_by_user_id", "lookup_by_user_id"))
        fields.pop("password", None)
        fields["lookup_by_user_id"] = [
            _strip(lookup, ("user_id",)) for lookup in fields.get("lookup_by_user_id") or []
        ]
        fields.pop("user_to_app_to_role_by_user_id", None)
        roles = []
        for link in person.get("user_to_app_to_role_by_user_id") or []:
            app_id = self._new_id("app", link.get("app_id"))
            role_id = self._new_id("role", link.get("role_id"))
            if app_id is None or role_id is None:
                self._note("warning", f"Skipping an app role of {person.get('email')}.")
                continue
            roles.append({"app_id": app_id, "role_id": role_id})
        if roles:
            fields["user_to_app_to_role_by_user_id"] = roles
        if not fields["lookup_by_user_id"]:
            del fields["lookup_by_user_id"]
        return fields

    def _remap(self, fields: dict[str, Any], field: str, kind: str, owner: Any) -> None:
        old = fields.get(field)
        if old is None:
            return
        fields[field] = self._new_id(kind, old)
        if fields[field] is None:
            self._note("warning", f"{owner}: {field} {old} not found; left empty.")

    # -- ids ----------------------------------------------------------------------------

    def _new_id(self, kind: str, old_id: Any) -> int | None:
        """This instance's id for the package's ``old_id`` of a role, service, app or user."""
        if old_id is None:
            return None
        key = "email" if kind in PEOPLE else "name"
        name = next(
            (r.get(key) for r in self.package.records("system", kind) if r.get("id") == old_id),
            None,
        )
        if name is None and kind == "service":
            return self._seeded_service(old_id)
        if name is None:
            return None
        if (kind, str(name)) in self.ids:
            return self.ids[(kind, str(name))]
        found = self._find("system", kind, name)
        self.ids[(kind, str(name))] = found
        return found

    def _seeded_service(self, old_id: Any) -> int | None:
        try:
            record = self.caller.call("GET", "system", f"service/{int(old_id)}")
        except (ApiError, TypeError, ValueError):
            return None
        return old_id if record.get("name") in SEEDED_SERVICES else None

    def _exists(self, kind: str, value: Any) -> bool:
        quoted = str(value).replace("'", "''")
        params = {"filter": f"{_key(kind)}='{quoted}'", "fields": _key(kind)}
        return bool(self.caller.records("system", kind, params))

    def _find(self, service: str, kind: str, value: Any) -> int | None:
        quoted = str(value).replace("'", "''")
        records = self.caller.records(
            service, kind, {"filter": f"{_key(kind)}='{quoted}'", "fields": "id"}
        )
        return records[0].get("id") if records else None

    # -- answers ------------------------------------------------------------------------

    def _failed(self, api: str, name: Any, exc: ApiError) -> None:
        self.items.append(
            {"api": api, "name": name, "error": {"code": exc.status, "message": exc.message}}
        )

    def _note(self, level: str, message: str) -> None:
        self.log.setdefault(level, []).append(message)


def _key(kind: str) -> str:
    if kind in PEOPLE:
        return "email"
    if kind == "cors":
        return "path"
    return "name"


def _access_key(access: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(access.get(k) for k in ("service_id", "component", "verb_mask", "requestor_mask"))


def _key_value(kind: str, record: dict[str, Any]) -> Any:
    return record.get(_key(kind))


def _first(created: Any) -> dict[str, Any]:
    if isinstance(created, dict) and isinstance(created.get("resource"), list):
        return created["resource"][0] if created["resource"] else {}
    return created if isinstance(created, dict) else {}


def _strip(record: dict[str, Any], extra: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in COMMON_FIELDS and k not in extra}


def _clean(record: dict[str, Any], keep: tuple[str, ...] = ()) -> dict[str, Any]:
    """The record's own fields: no ids of the source instance, no relations but ``keep``'s."""
    fields = {}
    for key, value in record.items():
        if key in COMMON_FIELDS:
            continue
        if "_by_" in key and key not in keep:
            continue
        fields[key] = value
    return fields


def import_package(caller: Caller, data: bytes, overwrite: bool = False) -> ServiceResponse:
    return Importer(caller, Package(data), overwrite).run()
