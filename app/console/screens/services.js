// Services: the list by group; create, edit, test and delete a service of any
// type, its config form built from the type's config_schema.

import { api, listAll } from "../api.js";
import { configForm } from "../configform.js";
import { link, navigate } from "../router.js";
import {
  busy, checkbox, confirmAction, empty, errorBox, field, h, header, loading, show, showError, table, toast,
} from "../widgets.js";

let typesCache = null;

async function serviceTypes() {
  typesCache ??= (await api.get("system/service_type")).resource || [];
  return typesCache;
}

export async function render(view, route) {
  const [first] = route.rest;
  if (!first) return list(view);
  if (first === "new") return editor(view, null, route.query.get("type"));
  return editor(view, Number(first));
}

async function list(view) {
  show(view, header("Services"), loading());
  const [services, types] = await Promise.all([
    listAll("system/service", { fields: "id,name,label,type,is_active,mutable" }),
    serviceTypes(),
  ]);
  const byType = new Map(types.map((t) => [t.name, t]));
  const groups = new Map();
  for (const service of services) {
    const group = byType.get(service.type)?.group || "Other";
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(service);
  }
  const create = h("a", { href: "#/services/new", class: "button primary", id: "create-service" }, "Create service");
  show(
    view,
    header("Services", create),
    services.length === 0
      ? empty("No services yet. Create one to put a database, files or a remote API behind the REST API.", create.cloneNode(true))
      : [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, items]) => [
          h("h2", { class: "group-title" }, group),
          table(
            [
              { label: "Name", value: (s) => link(s.name, "services", s.id) },
              { label: "Label", value: (s) => s.label || "" },
              { label: "Type", value: (s) => byType.get(s.type)?.label || s.type },
              { label: "Active", value: (s) => h("span", { class: s.is_active ? "pill" : "pill off" }, s.is_active ? "active" : "inactive") },
            ],
            items.sort((a, b) => a.name.localeCompare(b.name)),
            { onOpen: (s) => navigate("services", s.id) },
          ),
        ]),
  );
}

function typePicker(view, types) {
  const groups = new Map();
  for (const type of types.filter((t) => !t.singleton)) {
    if (!groups.has(type.group)) groups.set(type.group, []);
    groups.get(type.group).push(type);
  }
  show(
    view,
    header("Create service"),
    h("p", {}, "Pick the kind of service. Each becomes a REST API under /api/v2/<name>."),
    [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, items]) =>
      h("section", {}, h("h2", {}, group), h("div", { class: "cards" }, items.map((t) =>
        h("a", { class: "card", href: `#/services/new?type=${encodeURIComponent(t.name)}`, dataset: { type: t.name } },
          h("strong", {}, t.label), h("p", { class: "hint" }, t.description || ""))))),
    ),
  );
}

async function editor(view, id, typeName) {
  show(view, header(id ? "Service" : "Create service"), loading());
  const types = await serviceTypes();
  let service = { name: "", label: "", description: "", is_active: true, type: typeName, config: {} };
  if (id) {
    service = await api.get(`system/service/${id}`, { related: "service_doc_by_service_id" });
  } else if (!types.some((t) => t.name === typeName)) {
    return typePicker(view, types);
  }
  const type = types.find((t) => t.name === service.type) || { label: service.type, config_schema: [] };
  const box = errorBox();
  const name = h("input", { name: "name", value: service.name, required: true, pattern: "[A-Za-z0-9_\\-]+", autocomplete: "off" });
  const label = h("input", { name: "label", value: service.label || "" });
  const description = h("input", { name: "description", value: service.description || "" });
  const active = checkbox("Active", "is_active", service.is_active);
  const config = configForm(type.config_schema || [], service.config || {});
  const doc = service.service_doc_by_service_id;
  const docText = h("textarea", { name: "service_doc_by_service_id", rows: 8, class: "code", spellcheck: false });
  docText.value = typeof doc?.content === "string" ? doc.content : doc?.content ? JSON.stringify(doc.content, null, 2) : "";
  const save = h("button", { type: "submit", class: "primary", id: "save-service" }, id ? "Save" : "Create");
  const readOnly = service.mutable === false;
  const form = h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(save, submit); } },
    box,
    field("Name", name, "Letters, digits, _ and -; the API path: /api/v2/<name>."),
    field("Label", label),
    field("Description", description),
    active,
    h("h2", {}, `${type.label} settings`),
    config.element,
    h("details", { open: !!docText.value },
      h("summary", {}, "Own API document (OpenAPI, JSON or YAML)"),
      field("Document", docText, "Leave empty to use the document this service type generates.")),
    h("div", { class: "form-actions" },
      readOnly ? h("p", { class: "hint" }, "This service is built in and cannot be changed.") : save,
      id ? h("button", { type: "button", id: "test-service", onclick: (e) => busy(e.currentTarget, () => test(service.name, box)) }, "Test") : null,
      id ? h("a", { class: "button", href: `/docs?service=${encodeURIComponent(service.name)}` }, "API docs") : null,
      id && service.deletable !== false ? h("button", { type: "button", class: "danger", id: "delete-service", onclick: remove }, "Delete") : null,
    ),
  );

  function record() {
    const out = {
      name: name.value.trim(),
      label: label.value.trim() || null,
      description: description.value,
      is_active: active.querySelector("input").checked,
      type: service.type,
      config: config.value(),
    };
    const text = docText.value.trim();
    if (text || doc) {
      out.service_doc_by_service_id = text ? { format: text.startsWith("{") ? 0 : 1, content: text } : null;
    }
    return out;
  }

  async function submit() {
    try {
      if (id) {
        await api.patch(`system/service/${id}`, record());
        toast(`Saved ${name.value}.`);
        editor(view, id);
      } else {
        const created = await api.post("system/service", { resource: [record()] });
        toast(`Created ${name.value}.`);
        navigate("services", created.resource[0].id);
      }
    } catch (error) {
      showError(box, error, form);
      box.scrollIntoView({ block: "nearest" });
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete the service "${service.name}"? Its API stops answering at once; the data it points at is not touched.`))) return;
    try {
      await api.delete(`system/service/${id}`);
      toast(`Deleted ${service.name}.`);
      navigate("services");
    } catch (error) {
      showError(box, error);
    }
  }

  show(view, header(id ? `${service.label || service.name}` : `Create ${type.label} service`, h("a", { href: "#/services" }, "All services")), form);
  const code = type.group === "Script" && form.querySelector('textarea[name="config.content"]');
  if (code) (await import("../codeedit.js")).enhance(code, service.type); // the Scripts screen's editor
}

async function test(serviceName, box) {
  try {
    await api.get(serviceName, { as_list: true, limit: 1 });
    box.hidden = true;
    toast(`${serviceName} answers.`);
  } catch (error) {
    showError(box, error);
  }
}


