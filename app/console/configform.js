// A form built from a config schema, the `config_schema` entries of
// system/service_type (the shapes DreamFactory's console reads too): each
// entry's `type` picks the input; `array` fields are lists (of plain values, or
// of rows of sub-fields from `items`), `object` fields are name/value rows, and
// picklists offer `values`. A type this module does not know is edited as JSON,
// so a new service type appears here with no change to the console.

import { checkbox, field, h, select } from "./widgets.js";

const MASK = "**********";

/** {element, value()} for `entries` filled from `values`; value() is the config object. */
export function configForm(entries, values = {}, prefix = "config.") {
  const readers = [];
  const element = h("div", { class: "config-form" });
  for (const entry of entries) {
    const editor = editorFor(entry, values?.[entry.name], `${prefix}${entry.name}`);
    readers.push([entry.name, editor.value]);
    element.append(editor.element);
  }
  return {
    element,
    value() {
      const config = {};
      for (const [name, read] of readers) config[name] = read();
      return config;
    },
  };
}

function labelOf(entry) {
  return entry.required ? `${entry.label || entry.name} *` : entry.label || entry.name;
}

function editorFor(entry, value, name) {
  const current = value === undefined ? entry.default : value;
  switch (entry.type) {
    case "boolean":
      return booleanEditor(entry, current, name);
    case "integer":
    case "double":
      return numberEditor(entry, current, name);
    case "password":
      return textEditor(entry, current, name, "password");
    case "text":
      return textEditor(entry, current, name, "textarea");
    case "picklist":
      return picklistEditor(entry, current, name);
    case "multi_picklist":
      return multiPicklistEditor(entry, current, name);
    case "array":
      return Array.isArray(entry.items) ? rowsEditor(entry, current, name) : listEditor(entry, current, name);
    case "object":
      return objectEditor(entry, current, name);
    case "string":
      return textEditor(entry, current, name, entry.name === "content" ? "code" : "text");
    default:
      return jsonEditor(entry, current, name);
  }
}

function textEditor(entry, current, name, kind) {
  let input;
  if (kind === "textarea" || kind === "code") {
    input = h("textarea", { name, rows: kind === "code" ? 14 : 4, class: kind === "code" ? "code" : null, spellcheck: kind !== "code" });
    input.value = current ?? "";
  } else {
    input = h("input", {
      name,
      type: kind === "password" ? "password" : "text",
      autocomplete: kind === "password" ? "new-password" : "off",
      value: current ?? "",
      required: !!entry.required,
    });
  }
  return {
    element: field(labelOf(entry), input, entry.description),
    value: () => (input.value === "" ? null : input.value),
  };
}

function numberEditor(entry, current, name) {
  const input = h("input", { name, type: "number", step: entry.type === "double" ? "any" : "1", value: current ?? "" });
  return {
    element: field(labelOf(entry), input, entry.description),
    value: () => (input.value === "" ? null : Number(input.value)),
  };
}

function booleanEditor(entry, current, name) {
  const element = checkbox(labelOf(entry), name, current, entry.description);
  const input = element.querySelector("input");
  return { element, value: () => input.checked };
}

function choices(entry) {
  return (entry.values || []).map((v) => (typeof v === "object" ? [v.name, v.label ?? v.name] : [v, v]));
}

function picklistEditor(entry, current, name) {
  const input = select(name, [["", "—"], ...choices(entry)], current);
  return {
    element: field(labelOf(entry), input, entry.description),
    value: () => (input.value === "" ? null : input.value),
  };
}

function multiPicklistEditor(entry, current, name) {
  const input = select(name, choices(entry), null);
  input.multiple = true;
  const chosen = new Set((current || []).map(String));
  for (const option of input.options) option.selected = chosen.has(option.value);
  return {
    element: field(labelOf(entry), input, entry.description),
    value: () => [...input.selectedOptions].map((o) => o.value),
  };
}

/** A list of plain values, one input each, with add and remove buttons. */
function listEditor(entry, current, name) {
  const list = h("div", { class: "rows" });
  const addRow = (value = "") => {
    const input = h("input", { type: "text", value, "aria-label": `${entry.label || entry.name} item` });
    const row = h("div", { class: "row" }, input, h("button", { type: "button", class: "small", onclick: () => row.remove(), "aria-label": "Remove" }, "×"));
    list.append(row);
  };
  for (const value of Array.isArray(current) ? current : []) addRow(typeof value === "string" ? value : JSON.stringify(value));
  const add = h("button", { type: "button", class: "small", onclick: () => addRow() }, "Add");
  const group = h("fieldset", { class: "field", name }, h("legend", {}, labelOf(entry)), list, add, entry.description ? h("p", { class: "hint" }, entry.description) : null);
  return {
    element: group,
    value: () => {
      const items = [...list.querySelectorAll("input")].map((i) => i.value).filter((v) => v !== "");
      return items.length ? items : null;
    },
  };
}

/** A list of rows, each a small form of the `items` sub-fields. */
function rowsEditor(entry, current, name) {
  const list = h("div", { class: "rows" });
  const forms = [];
  const addRow = (values = {}) => {
    const form = configForm(entry.items, values, `${name}.`);
    const row = h("div", { class: "row nested" }, form.element, h("button", { type: "button", class: "small", "aria-label": "Remove", onclick: () => { row.remove(); forms.splice(forms.indexOf(form), 1); } }, "×"));
    forms.push(form);
    list.append(row);
  };
  for (const values of Array.isArray(current) ? current : []) addRow(values);
  const add = h("button", { type: "button", class: "small", onclick: () => addRow() }, "Add");
  const group = h("fieldset", { class: "field", name }, h("legend", {}, labelOf(entry)), list, add, entry.description ? h("p", { class: "hint" }, entry.description) : null);
  return { element: group, value: () => (forms.length ? forms.map((f) => f.value()) : null) };
}

/** Name/value rows; an object whose values are not all plain text is edited as JSON instead. */
function objectEditor(entry, current, name) {
  const plain = !current || (typeof current === "object" && !Array.isArray(current) && Object.values(current).every((v) => typeof v !== "object" || v === null));
  if (!plain) return jsonEditor(entry, current, name);
  const shape = entry.object || { key: { label: "Name" }, value: { label: "Value" } };
  const list = h("div", { class: "rows" });
  const addRow = (key = "", value = "") => {
    const row = h(
      "div",
      { class: "row" },
      h("input", { type: "text", value: key, placeholder: shape.key?.label || "Name", "aria-label": shape.key?.label || "Name", class: "key" }),
      h("input", { type: "text", value: value ?? "", placeholder: shape.value?.label || "Value", "aria-label": shape.value?.label || "Value", class: "value" }),
      h("button", { type: "button", class: "small", "aria-label": "Remove", onclick: () => row.remove() }, "×"),
    );
    list.append(row);
  };
  for (const [key, value] of Object.entries(current || {})) addRow(key, typeof value === "string" ? value : JSON.stringify(value));
  const add = h("button", { type: "button", class: "small", onclick: () => addRow() }, "Add");
  const group = h("fieldset", { class: "field", name }, h("legend", {}, labelOf(entry)), list, add, entry.description ? h("p", { class: "hint" }, entry.description) : null);
  return {
    element: group,
    value: () => {
      const out = {};
      for (const row of list.children) {
        const key = row.querySelector(".key").value.trim();
        if (key) out[key] = row.querySelector(".value").value;
      }
      return Object.keys(out).length ? out : null;
    },
  };
}

/** Any other value as JSON text (an invalid text is sent as it is, for the server to refuse). */
function jsonEditor(entry, current, name) {
  const input = h("textarea", { name, rows: 6, class: "code", spellcheck: false });
  input.value = current === null || current === undefined ? "" : JSON.stringify(current, null, 2);
  return {
    element: field(labelOf(entry), input, entry.description ? `${entry.description} (JSON)` : "JSON"),
    value: () => {
      if (input.value.trim() === "") return null;
      try {
        return JSON.parse(input.value);
      } catch {
        return input.value;
      }
    },
  };
}

export { MASK };
