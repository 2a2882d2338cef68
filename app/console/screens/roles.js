// Roles: the list (paged on the server); create, edit and delete a role with its
// service access rows (components from {service}?as_access_list=true, verbs,
// requestor, record filters) and lookups; the "why" panel (system/access).

import { api, listAll } from "../api.js";
import { pagedList } from "../pager.js";
import { link, navigate } from "../router.js";
import { lookupEditor } from "../lookups.js";
import { rowList } from "../rows.js";
import { whyPanel } from "../why.js";
import {
  basicFields, confirmAction, empty, errorBox, field, h, header, loading, select, show, showError, submitForm, toast,
} from "../widgets.js";

const VERBS = [["GET", 1], ["POST", 2], ["PUT", 4], ["PATCH", 8], ["DELETE", 16]];
const REQUESTORS = [[1, "API"], [2, "Script"], [3, "API and script"]];
const OPERATORS = ["=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN", "STARTS WITH", "ENDS WITH", "CONTAINS", "IS NULL", "IS NOT NULL", "LIKE"];

export async function render(view, route) {
  const [first] = route.rest;
  if (!first) return list(view);
  if (first === "why") return why(view, route.query);
  return editor(view, first === "new" ? null : Number(first));
}

function list(view) {
  const create = h("a", { href: "#/roles/new", class: "button primary", id: "create-role" }, "Create role");
  const paged = pagedList({
    path: "system/role",
    params: { fields: "id,name,description,is_active", order: "name" },
    label: "roles",
    search: (text) => `name like '%${text.replace(/'/g, "")}%'`,
    columns: [
      { label: "Name", value: (r) => link(r.name, "roles", r.id) },
      { label: "Description", value: (r) => r.description || "" },
      { label: "Active", value: (r) => h("span", { class: r.is_active ? "pill" : "pill off" }, r.is_active ? "active" : "inactive") },
    ],
    onOpen: (r) => navigate("roles", r.id),
    emptyNode: empty("No roles yet. A role says which services and components an app's users may call: create one, then give it to an app or a user.", create.cloneNode(true)),
  });
  show(view, header("Roles", h("a", { href: "#/roles/why", class: "button", id: "open-why" }, "Why allowed?"), create), paged.element);
  return paged.start();
}

function why(view, query) {
  show(view, header("Why is a call allowed?", h("a", { href: "#/roles" }, "All roles")), loading());
  return whyPanel({ role: query.get("role") }).then((panel) => show(view, header("Why is a call allowed?", h("a", { href: "#/roles" }, "All roles")), panel));
}

async function services() {
  const all = await listAll("system/service", { fields: "id,name,label" });
  return all.sort((a, b) => a.name.localeCompare(b.name));
}

async function editor(view, id) {
  show(view, header(id ? "Role" : "Create role"), loading());
  const related = "role_service_access_by_role_id,lookup_by_role_id";
  const [role, serviceList] = await Promise.all([
    id ? api.get(`system/role/${id}`, { related }) : { name: "", description: "", is_active: true },
    services(),
  ]);
  const box = errorBox();
  const basics = basicFields(role);
  const accesses = accessEditor(serviceList, role.role_service_access_by_role_id || []);
  const lookups = lookupEditor("lookup_by_role_id", role.lookup_by_role_id || [], "role_id");
  const save = h("button", { type: "submit", class: "primary", id: "save-role" }, id ? "Save" : "Create");
  const form = submitForm(
    save,
    submit,
    box,
    basics.fields,
    h("h2", {}, "Service access"),
    h("p", { class: "hint" }, "For each call, the most specific matching row decides (a component before x/*, before *, before every service); its verbs are what the role may do."),
    accesses.element,
    h("h2", {}, "Lookups"),
    h("p", { class: "hint" }, "Values scripts, filters and service settings read as {name} for callers with this role."),
    lookups.element,
    h("div", { class: "form-actions" },
      save,
      id ? h("a", { class: "button", href: `#/roles/why?role=${id}` }, "Why allowed?") : null,
      id ? h("button", { type: "button", class: "danger", id: "delete-role", onclick: remove }, "Delete") : null),
  );

  async function submit() {
    const record = {
      ...basics.value(),
      role_service_access_by_role_id: accesses.value(),
      lookup_by_role_id: lookups.value(),
    };
    try {
      if (id) {
        await api.patch(`system/role/${id}`, record);
        toast(`Saved ${record.name}.`);
        editor(view, id);
      } else {
        const created = await api.post("system/role", { resource: [record] });
        toast(`Created ${record.name}.`);
        navigate("roles", created.resource[0].id);
      }
    } catch (error) {
      showError(box, error, form);
      box.scrollIntoView({ block: "nearest" });
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete the role "${role.name}"? Apps and users given it lose the access it grants.`))) return;
    try {
      await api.delete(`system/role/${id}`);
      toast(`Deleted ${role.name}.`);
      navigate("roles");
    } catch (error) {
      showError(box, error);
    }
  }

  const panel = id ? await whyPanel({ role: id, embedded: true }) : null;
  show(view, header(id ? role.name : "Create role", h("a", { href: "#/roles" }, "All roles")), form, panel);
}

/** The access rows (removed saved rows are sent with role_id null). */
function accessEditor(serviceList, rows) {
  return rowList(rows, (row) => accessRow(serviceList, { verb_mask: 1, requestor_mask: 1, ...row }), {
    addLabel: "Add service access", addId: "add-access", orphan: { role_id: null }, className: "access-rows",
  });
}

let rowCount = 0;

function accessRow(serviceList, row) {
  const n = ++rowCount;
  const service = select(`access.${n}.service_id`, [["", "Every service"], ...serviceList.map((s) => [s.id, s.name])], row.service_id ?? "");
  const options = h("datalist", { id: `components-${n}` });
  const component = h("input", { name: `access.${n}.component`, value: row.component ?? "*", list: options.id, autocomplete: "off", class: "component" });
  const verbs = h("fieldset", { class: "field verbs" }, h("legend", {}, "Verbs"),
    VERBS.map(([verb, bit]) => h("label", { class: "inline" },
      h("input", { type: "checkbox", value: bit, name: `access.${n}.verb.${verb}`, checked: Boolean((row.verb_mask || 0) & bit) }), ` ${verb}`)));
  const requestor = select(`access.${n}.requestor_mask`, REQUESTORS, row.requestor_mask || 1);
  const filters = filterEditor(n, row.filters || [], row.filter_op || "AND");
  const loadComponents = async () => {
    const chosen = serviceList.find((s) => String(s.id) === service.value);
    if (!chosen) return show(options, h("option", { value: "*" }));
    try {
      const list = await api.get(chosen.name, { as_access_list: true });
      show(options, (list.resource || []).map((c) => h("option", { value: c })));
    } catch {
      show(options, h("option", { value: "*" }));
    }
  };
  service.addEventListener("change", loadComponents);
  loadComponents();
  const element = h(
    "div",
    { class: "access-row card", dataset: { rowId: row.id ?? "" } },
    h("div", { class: "row" },
      field("Service", service),
      field("Component", component, "Pick from the list or type one; x/* covers everything below x."),
      field("Requestor", requestor)),
    verbs,
    filters.element,
    options,
  );
  return {
    element,
    value: () => ({
      service_id: service.value ? Number(service.value) : null,
      component: component.value.trim(),
      verb_mask: [...verbs.querySelectorAll("input:checked")].reduce((mask, input) => mask | Number(input.value), 0),
      requestor_mask: Number(requestor.value),
      ...filters.value(),
    }),
  };
}

function filterEditor(n, filters, op) {
  let k = 0;
  const list = rowList(filters, (item) => {
    const m = ++k;
    const fieldName = h("input", { name: `access.${n}.filter.${m}.name`, value: item.name || "", "aria-label": "Field", placeholder: "field" });
    const operator = select(`access.${n}.filter.${m}.operator`, OPERATORS.map((o) => [o, o]), item.operator || "=");
    operator.setAttribute("aria-label", "Operator");
    const value = h("input", { name: `access.${n}.filter.${m}.value`, value: item.value ?? "", "aria-label": "Value", placeholder: "value or {lookup}" });
    return {
      element: h("div", { class: "row filter" }, fieldName, operator, value),
      value: () => ({ name: fieldName.value.trim(), operator: operator.value, value: value.value }),
    };
  }, { addLabel: "Add filter", className: "filters-list" });
  const filterOp = select(`access.${n}.filter_op`, [["AND", "All must match (AND)"], ["OR", "Any may match (OR)"]], op);
  return {
    element: h("details", { class: "filters", open: filters.length > 0 },
      h("summary", {}, "Record filters"),
      h("p", { class: "hint" }, "Only records matching these filters can be read or written through this row."),
      list.element,
      field("Combine", filterOp)),
    value: () => ({ filters: list.value(), filter_op: filterOp.value }),
  };
}
