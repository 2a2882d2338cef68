// Data: a table's records, one page at a time from the server (limit, offset,
// include_count), sorted by a column, filtered in DreamFactory's filter syntax
// (typed, or built a condition at a time); a row expands to its related
// records; records are created, edited inline and deleted. The page, order and
// filter live in the address (#/data/<service>/<table>?filter=&order=&offset=&limit=).

import { api } from "../api.js";
import { link } from "../router.js";
import {
  busy, confirmAction, errorBox, field, h, header, loading, select, show, showError, toast,
} from "../widgets.js";
import { pickService, pickTable } from "./databases.js";
import { filterBuilder } from "./filterbuilder.js";
import { display, editorRow } from "./recordrow.js";

const PAGE_SIZES = [10, 25, 50, 100];
const PAGE_SIZE = 25;
const RELATED_LIMIT = 10;
const path = (...parts) => parts.map((p) => encodeURIComponent(String(p))).join("/");

export async function render(view, route) {
  const [service, table] = route.rest;
  if (!service) return pickService(view, "data", "Data", "Pick a database service to browse and edit its records.");
  if (!table) return pickTable(view, "data", service, `Tables of ${service}`);
  return browse(view, service, table, stateOf(route.query));
}

function stateOf(query) {
  const limit = Number(query.get("limit"));
  return {
    filter: query.get("filter") || "",
    order: query.get("order") || "",
    offset: Math.max(0, Math.floor(Number(query.get("offset")) || 0)),
    limit: PAGE_SIZES.includes(limit) ? limit : PAGE_SIZE,
  };
}

/** Show the table with `state` (the address changes, so Back returns to the page before). */
function go(service, table, state) {
  const query = new URLSearchParams();
  if (state.filter) query.set("filter", state.filter);
  if (state.order) query.set("order", state.order);
  if (state.offset) query.set("offset", state.offset);
  if (state.limit !== PAGE_SIZE) query.set("limit", state.limit);
  const text = query.toString();
  const target = `#/${path("data", service, table)}${text ? `?${text}` : ""}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}

/** The page and the table's describe in one call; a refused filter still gives the describe. */
async function load(service, table, state) {
  const where = path(service, "_table", table);
  const params = { limit: state.limit, offset: state.offset, include_count: true, include_schema: true, order: state.order, filter: state.filter };
  try {
    const page = await api.get(where, params);
    return { page, schema: page.meta?.schema, error: null };
  } catch (error) {
    if (!("status" in error) || error.status !== 400) throw error;
    const probe = await api.get(where, { limit: 1, include_schema: true });
    return { page: { resource: [], meta: { count: 0 } }, schema: probe.meta?.schema, error };
  }
}

async function browse(view, service, table, state) {
  show(view, header(table), loading());
  const { page, schema, error } = await load(service, table, state);
  const fields = schema?.field || [];
  const keys = schema?.primary_key || [];
  const keyName = keys.length === 1 ? keys[0] : null;
  const editable = !!keyName && !schema?.is_view;
  const relations = schema?.related || [];
  const records = page.resource || [];
  const count = page.meta?.count ?? records.length;
  const box = errorBox();
  const reload = () => browse(view, service, table, state);
  const tbody = h("tbody");

  const filterInput = h("input", { name: "filter", value: state.filter, autocomplete: "off", spellcheck: false, placeholder: "(first_name like 'J%') and (id > 2)" });
  const apply = (event) => {
    event?.preventDefault();
    go(service, table, { ...state, filter: filterInput.value.trim(), offset: 0 });
  };
  const filterForm = h(
    "form",
    { class: "filter card", onsubmit: apply },
    h("div", { class: "filter-line" },
      field("Filter", filterInput, "DreamFactory's filter syntax: (field op value), joined with and / or."),
      h("button", { type: "submit", class: "primary", id: "apply-filter" }, "Apply"),
      state.filter ? h("button", { type: "button", id: "clear-filter", onclick: () => go(service, table, { ...state, filter: "", offset: 0 }) }, "Clear") : null),
    filterBuilder(fields.map((f) => f.name), (text) => {
      const current = filterInput.value.trim();
      filterInput.value = current ? `${current} and ${text}` : text;
      filterInput.focus();
    }),
  );

  const sortHeader = (f) => {
    const [column, direction = "ASC"] = state.order.split(/\s+/);
    const sorted = column === f.name;
    const next = sorted && direction.toUpperCase() === "ASC" ? "DESC" : "ASC";
    return h(
      "th",
      { scope: "col", "aria-sort": sorted ? (direction.toUpperCase() === "DESC" ? "descending" : "ascending") : false },
      h("button", { type: "button", class: "sort", dataset: { sort: f.name }, onclick: () => go(service, table, { ...state, order: `${f.name} ${next}`, offset: 0 }) },
        f.label || f.name, sorted ? (next === "DESC" ? " ▲" : " ▼") : ""),
    );
  };

  const saveNew = async (values, row, button) => busy(button, async () => {
    try {
      await api.post(path(service, "_table", table), { resource: [values] });
      toast("Record created.");
      reload();
    } catch (failure) {
      showError(box, failure, row);
    }
  });
  const create = () => {
    if (tbody.querySelector("tr.editing.new")) return;
    const row = editorRow(fields, {}, { creating: true, save: saveNew, cancel: () => { row.remove(); box.hidden = true; } });
    row.classList.add("new");
    tbody.prepend(row);
    row.querySelector("input, select")?.focus();
  };

  const rowOf = (record) => {
    const id = keyName ? record[keyName] : null;
    const row = h("tr", { dataset: { id: id ?? "" } }, fields.map((f) => h("td", {}, display(record[f.name]))));
    const actions = h("td", { class: "actions" });
    if (relations.length && id !== null) {
      actions.append(h("button", { type: "button", class: "small", "aria-expanded": "false", dataset: { related: id }, onclick: (event) => toggleRelated(event.currentTarget, row, id) }, "Related"));
    }
    if (editable) {
      actions.append(
        h("button", { type: "button", class: "small", dataset: { edit: id }, onclick: () => edit(row, record) }, "Edit"),
        h("button", { type: "button", class: "small danger", dataset: { delete: id }, onclick: () => remove(id) }, "Delete"),
      );
    }
    row.append(actions);
    return row;
  };

  const edit = (row, record) => {
    const id = record[keyName];
    const editor = editorRow(fields, record, {
      creating: false,
      cancel: () => { editor.replaceWith(row); box.hidden = true; },
      save: (values, form, button) => busy(button, async () => {
        if (Object.keys(values).length === 0) return editor.replaceWith(row);
        try {
          await api.patch(path(service, "_table", table, id), values);
          toast(`Record ${id} saved.`);
          reload();
        } catch (failure) {
          showError(box, failure, form);
        }
      }),
    });
    row.replaceWith(editor);
    editor.querySelector("input, select")?.focus();
  };

  const remove = async (id) => {
    if (!(await confirmAction(`Delete record ${id} of ${table}? This cannot be undone.`))) return;
    try {
      await api.delete(path(service, "_table", table, id));
      toast(`Record ${id} deleted.`);
      go(service, table, records.length === 1 && state.offset ? { ...state, offset: Math.max(0, state.offset - state.limit) } : state);
    } catch (failure) {
      showError(box, failure);
    }
  };

  const toggleRelated = async (button, row, id) => {
    const open = row.nextElementSibling?.classList.contains("related-row") ? row.nextElementSibling : null;
    if (open) {
      open.remove();
      button.setAttribute("aria-expanded", "false");
      return;
    }
    const cell = h("td", { colspan: fields.length + 1 }, loading("Loading related records…"));
    row.after(h("tr", { class: "related-row" }, cell));
    button.setAttribute("aria-expanded", "true");
    const params = { related: relations.map((r) => r.name).join(",") };
    for (const r of relations) params[`${r.name}_limit`] = RELATED_LIMIT;
    try {
      show(cell, relatedView(service, relations, await api.get(path(service, "_table", table, id), params)));
    } catch (failure) {
      const inner = errorBox();
      show(cell, inner);
      showError(inner, failure);
    }
  };

  show(tbody, records.map(rowOf));
  show(
    view,
    header(
      schema?.label && schema.label !== table ? `${table} (${schema.label})` : table,
      editable ? h("button", { type: "button", class: "primary", id: "create-record", onclick: create }, "New record") : null,
      h("a", { class: "button", href: `#/${path("schema", service, table)}` }, "Schema"),
    ),
    h("p", {}, link(`All tables of ${service}`, "data", service)),
    filterForm,
    box,
    keyName ? null : h("p", { class: "notice" }, "This table has no single-field primary key: its records can be read here but not edited."),
    h("div", { class: "scroll" },
      h("table", { class: "grid records", "aria-label": `Records of ${table}` },
        h("thead", {}, h("tr", {}, fields.map(sortHeader), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Actions")))),
        tbody)),
    error ? null : emptyState(records, state, editable),
    error ? null : pager(service, table, state, count, records.length),
  );
  if (error) {
    showError(box, error, filterForm);
    filterInput.setAttribute("aria-invalid", "true");
  }
}

function emptyState(records, state, editable) {
  if (records.length) return null;
  if (state.filter) return h("div", { class: "empty" }, h("p", {}, "No record matches this filter. Change or clear it."));
  if (state.offset) return h("div", { class: "empty" }, h("p", {}, "No records on this page. Go back a page."));
  return h("div", { class: "empty" }, h("p", {}, editable ? "No records yet. Add the first with New record." : "No records."));
}

function pager(service, table, state, count, shown) {
  const first = shown ? state.offset + 1 : 0;
  const last = state.offset + shown;
  const size = select("limit", PAGE_SIZES.map((n) => [n, `${n} per page`]), state.limit);
  size.setAttribute("aria-label", "Records per page");
  size.addEventListener("change", () => go(service, table, { ...state, limit: Number(size.value), offset: 0 }));
  return h(
    "div",
    { class: "pager", role: "group", "aria-label": "Pages" },
    h("span", { id: "page-status" }, `Records ${first}–${last} of ${count}`),
    h("button", { type: "button", id: "previous-page", disabled: state.offset === 0, onclick: () => go(service, table, { ...state, offset: Math.max(0, state.offset - state.limit) }) }, "Previous"),
    h("button", { type: "button", id: "next-page", disabled: last >= count, onclick: () => go(service, table, { ...state, offset: state.offset + state.limit }) }, "Next"),
    size,
  );
}

/** A record's relations: lists as small tables, one record as a table of one, none as "none". */
function relatedView(service, relations, record) {
  return h("div", { class: "related" }, relations.map((r) => {
    const value = record[r.name];
    const rows = Array.isArray(value) ? value : value ? [value] : [];
    const columns = rows.length ? Object.keys(rows[0]).slice(0, 8) : [];
    return h(
      "section",
      { dataset: { relation: r.name } },
      h("h3", {}, link(r.name, "data", service, r.ref_table), ` (${r.type.replace("_", " ")})`),
      rows.length === 0
        ? h("p", { class: "hint" }, "none")
        : h("table", { class: "grid" },
            h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", {}, display(row[c]))))))),
      Array.isArray(value) && value.length === RELATED_LIMIT ? h("p", { class: "hint" }, `The first ${RELATED_LIMIT}; filter ${r.ref_table} to see all.`) : null,
    );
  }));
}
