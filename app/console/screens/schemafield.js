// A field's definition as `_schema` takes it (DreamFactory's create-field keys):
// an editor for one field, filled from a field's describe, used by the Schema
// screen to add and alter fields and to list a new table's fields.

import { checkbox, field, h, select } from "../widgets.js";

/** DreamFactory's simple field types (DbSimpleTypes), the ones `_schema` creates. */
export const TYPES = [
  "id", "bigid", "reference", "string", "text", "integer", "bigint", "smallint", "boolean",
  "float", "double", "decimal", "money", "date", "time", "datetime", "timestamp",
  "timestamp_on_create", "timestamp_on_update", "user_id", "user_id_on_create",
  "user_id_on_update", "binary", "json", "uuid",
];

const ACTIONS = ["", "CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"];

/** Size, as the fields list shows it: length, or precision and scale. */
export function sizeOf(f) {
  if (f.length) return String(f.length);
  if (f.precision) return f.scale ? `${f.precision},${f.scale}` : String(f.precision);
  return "";
}

/**
 * {element, value()} editing field `current` (a describe, or {} for a new one);
 * `tables` are the names a reference may point at. With `fixedName` the name is
 * shown but not edited (altering a field keeps its name). value() is the field
 * object to send, its empty entries left out.
 */
export function fieldEditor(current = {}, tables = [], { fixedName = false, prefix = "" } = {}) {
  const named = (name) => `${prefix}${name}`;
  const type = TYPES.includes(current.type) ? current.type : current.type ? current.type : "string";
  const inputs = {
    name: h("input", { name: named("name"), value: current.name || "", required: true, pattern: "[A-Za-z_][A-Za-z0-9_]*", autocomplete: "off", readOnly: fixedName }),
    type: select(named("type"), [...new Set([type, ...TYPES])].map((t) => [t, t]), type),
    length: h("input", { name: named("length"), type: "number", min: 1, value: current.length ?? "" }),
    precision: h("input", { name: named("precision"), type: "number", min: 1, value: current.precision ?? "" }),
    scale: h("input", { name: named("scale"), type: "number", min: 0, value: current.scale ?? "" }),
    default: h("input", { name: named("default"), value: current.default ?? "" }),
    ref_table: select(named("ref_table"), [["", "—"], ...tables.map((t) => [t, t])], current.ref_table || ""),
    ref_field: h("input", { name: named("ref_field"), value: current.ref_field || "", placeholder: "id" }),
    ref_on_delete: select(named("ref_on_delete"), ACTIONS.map((a) => [a, a || "—"]), current.ref_on_delete || ""),
    label: h("input", { name: named("label"), value: current.label || "" }),
  };
  const checks = {
    allow_null: checkbox("Allow null", named("allow_null"), current.allow_null ?? true),
    is_unique: checkbox("Unique", named("is_unique"), current.is_unique),
    is_index: checkbox("Indexed", named("is_index"), current.is_index),
  };
  const element = h(
    "div",
    { class: "field-editor" },
    h("div", { class: "field-grid" },
      field("Name", inputs.name),
      field("Type", inputs.type),
      field("Length", inputs.length),
      field("Precision", inputs.precision),
      field("Scale", inputs.scale),
      field("Default", inputs.default),
      field("References table", inputs.ref_table),
      field("Referenced field", inputs.ref_field),
      field("On delete", inputs.ref_on_delete),
      field("Label", inputs.label),
    ),
    h("div", { class: "field-checks" }, Object.values(checks)),
  );
  return {
    element,
    value() {
      const out = { name: inputs.name.value.trim(), type: inputs.type.value };
      for (const key of ["length", "precision", "scale"]) {
        if (inputs[key].value !== "") out[key] = Number(inputs[key].value);
      }
      for (const key of ["default", "label", "ref_on_delete"]) {
        if (inputs[key].value !== "") out[key] = inputs[key].value;
      }
      if (inputs.ref_table.value) {
        out.is_foreign_key = true;
        out.ref_table = inputs.ref_table.value;
        out.ref_field = inputs.ref_field.value.trim() || "id";
      }
      for (const [key, box] of Object.entries(checks)) out[key] = box.querySelector("input").checked;
      return out;
    },
  };
}
