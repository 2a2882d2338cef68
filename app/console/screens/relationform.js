// A virtual relationship of a table (one without a foreign key), as `_schema`
// takes it: its type, this table's field, the related table and field, and for
// many_many the junction table with its two fields.

import { api } from "../api.js";
import { busy, errorBox, field, h, select, showError, toast } from "../widgets.js";

const TYPES = [
  ["belongs_to", "belongs to (this field holds the other's key)"],
  ["has_many", "has many (the other's field holds this key)"],
  ["has_one", "has one"],
  ["many_many", "many to many (through a junction table)"],
];

/** The form; `done()` runs once the relationship is saved, `close()` on cancel. */
export function relationForm(service, table, fields, tables, done, close) {
  const box = errorBox();
  const path = `${encodeURIComponent(service)}/_schema/${encodeURIComponent(table)}/_related`;
  const inputs = {
    type: select("type", TYPES, "belongs_to"),
    field: select("field", fields.map((f) => [f, f]), fields[0]),
    ref_table: select("ref_table", tables.map((t) => [t, t]), tables[0]),
    ref_field: h("input", { name: "ref_field", value: "id", autocomplete: "off" }),
    junction_table: select("junction_table", [["", "—"], ...tables.map((t) => [t, t])], ""),
    junction_field: h("input", { name: "junction_field", autocomplete: "off" }),
    junction_ref_field: h("input", { name: "junction_ref_field", autocomplete: "off" }),
  };
  const junction = h("div", { class: "field-grid", hidden: true },
    field("Junction table", inputs.junction_table),
    field("Its field for this table", inputs.junction_field),
    field("Its field for the related table", inputs.junction_ref_field));
  inputs.type.addEventListener("change", () => (junction.hidden = inputs.type.value !== "many_many"));
  const save = h("button", { type: "submit", class: "primary", id: "save-relation" }, "Save relationship");
  const form = h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(save, submit); } },
    h("h2", {}, `New virtual relationship of ${table}`),
    h("p", { class: "hint" }, "For tables joined without a foreign key. Records read it with related=, like any relationship."),
    box,
    h("div", { class: "field-grid" },
      field("Type", inputs.type),
      field("Field of this table", inputs.field),
      field("Related table", inputs.ref_table),
      field("Related field", inputs.ref_field)),
    junction,
    h("div", { class: "form-actions" }, save, h("button", { type: "button", onclick: close }, "Cancel")),
  );

  async function submit() {
    const relation = { is_virtual: true };
    for (const [key, input] of Object.entries(inputs)) {
      if (!key.startsWith("junction") || inputs.type.value === "many_many") relation[key] = input.value.trim();
    }
    try {
      const saved = await api.post(path, { resource: [relation] });
      toast(`Saved ${saved.resource?.[0]?.name || "the relationship"}.`);
      done();
    } catch (error) {
      showError(box, error, form);
    }
  }
  return form;
}
