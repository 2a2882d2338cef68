// A list-and-form editor for a system resource of records (limits, CORS rules,
// lookups, e-mail templates): the list pages on the server, the form's inputs
// carry the API's field names so refused fields show their own messages.
//
// A spec is {tab, path, title, noun, columns: [{label, value}], fields(): [field],
// blank: {...}, hint}; a field is {name, label, kind, options, hint, required, when}
// where kind is text, textarea, number, checkbox, select or verbs, and
// `when(values)` says whether the field applies (hidden otherwise).

import { api } from "../../api.js";
import { navigate } from "../../router.js";
import {
  actionForm, checkbox, confirmAction, empty, errorBox, field, h, header, loading, pager, select, show, showError, table, toast,
} from "../../widgets.js";

/** Records per page of a list. */
const PAGE = 25;

export async function recordScreen(view, spec, rest, query) {
  const [id] = rest;
  if (!id) return list(view, spec, Number(query.get("offset")) || 0);
  return editor(view, spec, id === "new" ? null : Number(id));
}

async function list(view, spec, offset) {
  const answer = await api.get(spec.path, { limit: PAGE, offset, include_count: true, order: spec.order || "id" });
  const rows = answer.resource || [];
  const count = answer.meta?.count ?? rows.length;
  const create = h("a", { class: "button primary", href: `#/settings/${spec.tab}/new`, id: `create-${spec.tab}` }, `Add ${spec.noun}`);
  show(
    view,
    header(spec.title, create),
    spec.hint ? h("p", { class: "hint" }, spec.hint) : null,
    rows.length === 0
      ? empty(spec.emptyText || `No ${spec.noun}s yet.`, create.cloneNode(true))
      : [
          table(spec.columns, rows, { onOpen: (r) => navigate("settings", spec.tab, r.id) }),
          pager(offset, count, PAGE, (o) => `#/settings/${spec.tab}?offset=${o}`),
        ],
  );
}

function input(spec, value) {
  const { name, kind } = spec;
  if (kind === "checkbox") return checkbox(spec.label, name, value ?? spec.default, spec.hint);
  if (kind === "verbs") {
    const chosen = new Set(value || []);
    return h(
      "fieldset",
      { class: "field verbs", name },
      h("legend", {}, spec.label),
      h("div", { class: "row" }, spec.options.map((verb) => checkbox(verb, `${name}.${verb}`, chosen.has(verb)))),
      spec.hint ? h("p", { class: "hint" }, spec.hint) : null,
    );
  }
  let element;
  if (kind === "select") element = select(name, [["", spec.none || "—"], ...spec.options], value ?? spec.default ?? "");
  else if (kind === "textarea") {
    element = h("textarea", { name, rows: spec.rows || 4, class: spec.code ? "code" : null });
    element.value = value ?? "";
  } else {
    element = h("input", { name, type: kind === "number" ? "number" : "text", value: value ?? spec.default ?? "", required: !!spec.required, autocomplete: "off" });
  }
  return field(spec.required ? `${spec.label} *` : spec.label, element, spec.hint);
}

function read(form, spec) {
  const { name, kind } = spec;
  if (kind === "checkbox") return form.querySelector(`input[name="${name}"]`).checked;
  if (kind === "verbs") return spec.options.filter((verb) => form.querySelector(`input[name="${name}.${verb}"]`).checked);
  const value = form.elements[name].value;
  if (value === "") return null;
  if (kind === "number" || spec.numeric) return Number(value);
  return value;
}

async function editor(view, spec, id) {
  show(view, header(spec.title), loading());
  const [record, fields] = await Promise.all([
    id ? api.get(`${spec.path}/${id}`) : Promise.resolve({ ...(spec.blank || {}) }),
    spec.fields(),
  ]);
  const box = errorBox();
  const save = h("button", { type: "submit", class: "primary", id: `save-${spec.tab}` }, id ? "Save" : "Create");
  const wrappers = fields.map((f) => [f, input(f, record[f.name])]);
  const form = actionForm(
    { class: "card", novalidate: true, onchange: () => applies() },
    save,
    box,
    submit,
    box,
    wrappers.map(([, element]) => element),
    h("div", { class: "form-actions" },
      save,
      h("a", { class: "button", href: `#/settings/${spec.tab}` }, "Cancel"),
      id ? h("button", { type: "button", class: "danger", id: `delete-${spec.tab}`, onclick: remove }, "Delete") : null),
  );

  function values() {
    return Object.fromEntries(fields.map((f) => [f.name, read(form, f)]));
  }

  /** Show only the fields that apply to what the form holds now. */
  function applies() {
    const now = values();
    for (const [f, element] of wrappers) if (f.when) element.hidden = !f.when(now);
  }

  async function submit() {
    const now = values();
    const out = Object.fromEntries(fields.filter((f) => !f.when || f.when(now)).map((f) => [f.name, now[f.name]]));
    if (id) await api.patch(`${spec.path}/${id}`, out);
    else await api.post(spec.path, { resource: [out] });
    toast(`${id ? "Saved" : "Added"} ${out.name || spec.noun}.`);
    navigate("settings", spec.tab);
  }

  async function remove() {
    if (!(await confirmAction(`Delete the ${spec.noun} "${record.name || record.path || id}"?`))) return;
    try {
      await api.delete(`${spec.path}/${id}`);
      toast(`Deleted ${record.name || spec.noun}.`);
      navigate("settings", spec.tab);
    } catch (error) {
      showError(box, error);
    }
  }

  show(view, header(id ? `${spec.noun[0].toUpperCase()}${spec.noun.slice(1)}: ${record.name || record.path || id}` : `Add ${spec.noun}`), form);
  applies();
}
