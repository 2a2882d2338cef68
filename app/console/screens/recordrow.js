// A record on the Data screen: its values shown in a row, or a row of labelled
// inputs to create or edit it inline. Inputs are named after the fields, so an
// error's field messages (`context`) land under the right input (showError).

import { h, select } from "../widgets.js";

const AUTOMATIC = new Set(["timestamp_on_create", "timestamp_on_update", "user_id_on_create", "user_id_on_update"]);
const STRUCTURED = new Set(["json", "jsonb", "array"]);
const LONG = 120;

/** Fields a client writes: not numbered by the database, not filled in by the service. */
export function writable(field) {
  return !field.auto_increment && !AUTOMATIC.has(field.type);
}

/** A value as a cell shows it. */
export function display(value) {
  if (value === null || value === undefined) return h("span", { class: "null" }, "null");
  if (typeof value === "object") return h("code", {}, clip(JSON.stringify(value)));
  const text = String(value);
  return text.length > LONG ? h("span", { title: text }, clip(text)) : text;
}

function clip(text) {
  return text.length > LONG ? `${text.slice(0, LONG)}…` : text;
}

function asText(field, value) {
  if (value === null || value === undefined) return "";
  if (STRUCTURED.has(field.type) || typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function inputFor(field, value) {
  const label = field.label || field.name;
  if (field.type === "boolean") {
    const options = [...(field.allow_null ? [["", "null"]] : []), ["true", "true"], ["false", "false"]];
    const input = select(field.name, options, value === null || value === undefined ? "" : String(value));
    input.setAttribute("aria-label", label);
    input.dataset.initial = input.value;
    return input;
  }
  const input = h("input", { name: field.name, value: asText(field, value), "aria-label": label, autocomplete: "off", placeholder: value === null ? "null" : "" });
  input.dataset.initial = input.value;
  return input;
}

/** The value to send for what an input holds ("" is null where the field allows it). */
function read(field, input) {
  const text = input.value;
  if (field.type === "boolean") return text === "" ? null : text === "true";
  if (text === "") return field.allow_null ? null : "";
  if (STRUCTURED.has(field.type)) {
    try {
      return JSON.parse(text);
    } catch {
      return text; // the server says what is wrong with it
    }
  }
  return text;
}

/**
 * A row of inputs for `record` ({} to create one). `save(values, row)` gets
 * the changed values (every filled one when creating); Enter saves, Escape
 * cancels.
 */
export function editorRow(fields, record, { creating, save, cancel }) {
  const inputs = new Map();
  const cells = fields.map((f) => {
    if (!writable(f)) return h("td", {}, creating ? h("span", { class: "hint" }, "automatic") : display(record[f.name]));
    const input = inputFor(f, creating ? null : record[f.name]);
    inputs.set(f, input);
    return h("td", {}, h("div", { class: "field" }, input));
  });
  const values = () => {
    const out = {};
    for (const [f, input] of inputs) {
      if (creating ? input.value !== "" : input.value !== input.dataset.initial) out[f.name] = read(f, input);
    }
    return out;
  };
  const saveButton = h("button", { type: "button", class: "primary small", dataset: { save: "" } }, creating ? "Create" : "Save");
  const row = h(
    "tr",
    {
      class: "editing",
      onkeydown: (event) => {
        if (event.key === "Enter" && event.target.tagName === "INPUT") saveButton.click();
        if (event.key === "Escape") cancel();
      },
    },
    cells,
    h("td", { class: "actions" }, saveButton, h("button", { type: "button", class: "small", onclick: cancel }, "Cancel")),
  );
  saveButton.addEventListener("click", () => save(values(), row, saveButton));
  return row;
}
