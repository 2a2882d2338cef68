// Schema: a database service's tables, their fields and relations; create and
// drop tables, add, alter and drop fields, all through `{service}/_schema` as
// DreamFactory's API takes them (relations follow the foreign keys).

import { api } from "../api.js";
import { link, navigate } from "../router.js";
import {
  busy, confirmAction, empty, errorBox, field, h, header, loading, show, showError, table, toast,
} from "../widgets.js";
import { pickService } from "./databases.js";
import { relationForm } from "./relationform.js";
import { fieldEditor, sizeOf } from "./schemafield.js";

const path = (...parts) => parts.map(encodeURIComponent).join("/");

export async function render(view, route) {
  const [service, name] = route.rest;
  if (!service) {
    return pickService(view, "schema", "Schema", "Pick a database service to see and change its tables.");
  }
  if (!name) return tables(view, service);
  return tableView(view, service, name);
}

async function tableNames(service) {
  return ((await api.get(`${path(service)}/_schema`, { as_list: true })).resource || []).sort();
}

async function tables(view, service) {
  show(view, header(`Schema of ${service}`), loading());
  const found = (await api.get(`${path(service)}/_schema`, { fields: "name,label,is_view" })).resource || [];
  found.sort((a, b) => a.name.localeCompare(b.name));
  const place = h("div");
  const create = h("button", { type: "button", class: "primary", id: "create-table", onclick: () => {
    show(place, createTableForm(service, found.map((t) => t.name), () => show(place)));
    place.querySelector("input")?.focus();
  } }, "Create table");
  show(
    view,
    header(`Schema of ${service}`, create, h("a", { href: "#/schema" }, "All database services")),
    place,
    found.length === 0
      ? empty(`${service} has no tables yet. Create the first one: its fields become a REST API at /api/v2/${service}/_table/<name>.`)
      : table(
          [
            { label: "Table", value: (t) => link(t.name, "schema", service, t.name) },
            { label: "Label", value: (t) => t.label || "" },
            { label: "Kind", value: (t) => (t.is_view ? "view" : "table") },
            { label: "Records", value: (t) => link("Browse", "data", service, t.name) },
          ],
          found,
          { onOpen: (t) => navigate("schema", service, t.name) },
        ),
  );
}

/** A new table: its name and label, and a list of fields (an `id` to start with). */
function createTableForm(service, names, close) {
  const box = errorBox();
  const name = h("input", { name: "name", required: true, autocomplete: "off", pattern: "[A-Za-z_][A-Za-z0-9_]*" });
  const label = h("input", { name: "label" });
  const list = h("div", { class: "rows" });
  const editors = [];
  const addField = (values = {}) => {
    const editor = fieldEditor(values, names, { prefix: `field.${editors.length}.` });
    const remove = h("button", { type: "button", class: "small", onclick: () => {
      editors.splice(editors.indexOf(editor), 1);
      row.remove();
    } }, "Remove field");
    const row = h("fieldset", { class: "row nested field-row" }, h("legend", {}, "Field"), editor.element, remove);
    editors.push(editor);
    list.append(row);
    return row;
  };
  addField({ name: "id", type: "id", allow_null: false });
  const save = h("button", { type: "submit", class: "primary", id: "save-table" }, "Create table");
  const form = h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(save, submit); } },
    h("h2", {}, "New table"),
    box,
    field("Table name", name, "Letters, digits and _; the API path: _table/<name>."),
    field("Label", label),
    h("h3", {}, "Fields"),
    list,
    h("button", { type: "button", id: "add-table-field", onclick: () => addField().querySelector("input").focus() }, "Add field"),
    h("div", { class: "form-actions" }, save, h("button", { type: "button", onclick: close }, "Cancel")),
  );

  async function submit() {
    const body = { name: name.value.trim(), field: editors.map((e) => e.value()) };
    if (label.value.trim()) body.label = label.value.trim();
    const status = h("p", { class: "loading", role: "status" }, `Creating ${body.name}…`);
    form.append(status);
    try {
      await api.post(`${path(service)}/_schema`, { resource: [body] });
      toast(`Created ${body.name}.`);
      navigate("schema", service, body.name);
    } catch (error) {
      showError(box, error, form);
      box.scrollIntoView({ block: "nearest" });
    } finally {
      status.remove();
    }
  }
  return form;
}

async function tableView(view, service, name) {
  show(view, header(name), loading());
  const [described, names] = await Promise.all([
    api.get(path(service, "_schema", name)),
    tableNames(service),
  ]);
  const box = errorBox();
  const place = h("div");
  const reload = () => tableView(view, service, name);

  const openEditor = (current) => {
    show(place, fieldForm(service, name, current, names, reload, () => show(place)));
    place.querySelector("select, input:not([readonly])")?.focus();
  };
  const dropTable = () => confirmedDelete(box, `Drop the table "${name}" and every record in it? This cannot be undone.`, "Drop table",
    path(service, "_schema", name), `Dropped ${name}.`, () => navigate("schema", service));
  const openRelation = () => {
    const fieldNames = (described.field || []).map((f) => f.name);
    show(place, relationForm(service, name, fieldNames, names, reload, () => show(place)));
    place.querySelector("select")?.focus();
  };
  const dropRelation = (r) => confirmedDelete(box, `Delete the virtual relationship "${r.name}"? No data changes.`, "Delete",
    path(service, "_schema", name, "_related", r.name), `Deleted ${r.name}.`, reload);
  const dropField = (f) => confirmedDelete(box, `Drop the field "${f.name}" of ${name}? Its values are lost.`, "Drop field",
    path(service, "_schema", name, "_field", f.name), `Dropped ${f.name}.`, reload);

  show(
    view,
    header(
      described.label && described.label !== name ? `${name} (${described.label})` : name,
      h("a", { class: "button", href: `#/${path("data", service, name)}` }, "Browse records"),
      h("button", { type: "button", class: "primary", id: "add-field", onclick: () => openEditor(null) }, "Add field"),
      described.is_view ? null : h("button", { type: "button", class: "danger", id: "drop-table", onclick: dropTable }, "Drop table"),
    ),
    h("p", {}, link(`All tables of ${service}`, "schema", service)),
    box,
    place,
    h("h2", {}, "Fields"),
    fieldsTable(described.field || [], openEditor, dropField),
    h("div", { class: "screen-header" }, h("h2", {}, "Relations"),
      h("div", { class: "actions" }, h("button", { type: "button", id: "add-relation", onclick: openRelation }, "Add virtual relationship"))),
    relationsTable(described.related || [], dropRelation),
  );
}

/** Ask, then DELETE `target`: say `done` and go on with `after`, or show the refusal in `box`. */
async function confirmedDelete(box, question, action, target, done, after) {
  if (!(await confirmAction(question, action))) return;
  try {
    await api.delete(target);
    toast(done);
    after();
  } catch (error) {
    showError(box, error);
  }
}

function fieldsTable(fields, edit, drop) {
  const keys = (f) => [f.is_primary_key && "primary key", f.auto_increment && "auto", f.is_unique && "unique", f.is_index && !f.is_primary_key && "index"].filter(Boolean).join(", ");
  return table(
    [
      { label: "Name", value: (f) => h("strong", {}, f.name) },
      { label: "Type", value: (f) => [f.type, f.db_type && f.db_type !== f.type ? h("span", { class: "hint" }, ` ${f.db_type}`) : null] },
      { label: "Size", value: sizeOf },
      { label: "Null", value: (f) => (f.allow_null ? "yes" : "no") },
      { label: "Default", value: (f) => (f.default === null || f.default === undefined ? "" : h("code", {}, String(f.default))) },
      { label: "Keys", value: keys },
      { label: "Reference", value: (f) => (f.ref_table ? `${f.ref_table}.${f.ref_field}${f.ref_on_delete ? ` (on delete ${f.ref_on_delete})` : ""}` : "") },
      {
        label: "Actions",
        value: (f) => h("div", { class: "row" },
          h("button", { type: "button", class: "small", dataset: { edit: f.name }, onclick: () => edit(f) }, "Edit"),
          f.is_primary_key ? null : h("button", { type: "button", class: "small", dataset: { drop: f.name }, onclick: () => drop(f) }, "Drop")),
      },
    ],
    fields,
  );
}

function relationsTable(relations, drop) {
  const note = h("p", { class: "hint" }, "Relations follow foreign keys (give a field a referenced table), or are virtual (declared here). Records show them on the Data screen (related).");
  if (relations.length === 0) return [empty("No relations. A field that references another table makes one here and on the other table; a virtual relationship joins tables without a key."), note];
  return [
    table(
      [
        { label: "Name", value: (r) => h("code", {}, r.name) },
        { label: "Type", value: (r) => [r.type.replace("_", " "), r.is_virtual ? [" ", h("span", { class: "pill" }, "virtual")] : null] },
        { label: "Field", value: (r) => r.field },
        { label: "Related", value: (r) => `${r.ref_table}.${r.ref_field}` },
        { label: "Through", value: (r) => (r.junction_table ? `${r.junction_table} (${r.junction_field} → ${r.junction_ref_field})` : "") },
        { label: "Actions", value: (r) => (r.is_virtual ? h("button", { type: "button", class: "small", dataset: { dropRelation: r.name }, onclick: () => drop(r) }, "Delete") : "") },
      ],
      relations,
    ),
    note,
  ];
}

/** Add a field (`current` null) or alter one, with `_schema/{table}/_field`. */
function fieldForm(service, tableName, current, names, done, close) {
  const box = errorBox();
  const editor = fieldEditor(current || {}, names, { fixedName: !!current });
  const save = h("button", { type: "submit", class: "primary", id: "save-field" }, current ? "Save field" : "Add field");
  const form = h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(save, submit); } },
    h("h2", {}, current ? `Field ${current.name}` : `New field of ${tableName}`),
    box,
    editor.element,
    h("div", { class: "form-actions" }, save, h("button", { type: "button", onclick: close }, "Cancel")),
  );

  async function submit() {
    const value = editor.value();
    const status = h("p", { class: "loading", role: "status" }, current ? `Changing ${value.name}…` : `Adding ${value.name}…`);
    form.append(status);
    try {
      if (current) await api.patch(path(service, "_schema", tableName, "_field", current.name), value);
      else await api.post(path(service, "_schema", tableName, "_field"), { resource: [value] });
      toast(current ? `Saved ${value.name}.` : `Added ${value.name}.`);
      done();
    } catch (error) {
      showError(box, error, form);
    } finally {
      status.remove();
    }
  }
  return form;
}
