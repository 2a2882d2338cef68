// A small builder of DreamFactory filters: a field, an operator and a value
// make one condition, `(field op 'value')`, added with "and" to the filter text
// the Data screen sends as `filter`. The text stays editable by hand.

import { field, h, select } from "../widgets.js";

/** [operator, label, takes a value]. */
const OPERATORS = [
  ["=", "equals", true],
  ["!=", "is not", true],
  [">", "greater than", true],
  [">=", "at least", true],
  ["<", "less than", true],
  ["<=", "at most", true],
  ["contains", "contains", true],
  ["starts with", "starts with", true],
  ["ends with", "ends with", true],
  ["like", "like (% and _ wildcards)", true],
  ["in", "in (comma-separated)", true],
  ["is null", "is empty (null)", false],
  ["is not null", "is not empty", false],
];

/** A value quoted as the filter syntax reads it ('it''s'). */
export function quote(value) {
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** One condition in DreamFactory's filter syntax. */
export function condition(name, operator, value) {
  if (operator === "is null" || operator === "is not null") return `(${name} ${operator})`;
  if (operator === "in") {
    const items = String(value).split(",").map((v) => v.trim()).filter((v) => v !== "");
    return `(${name} in (${items.map(quote).join(",")}))`;
  }
  return `(${name} ${operator} ${quote(value)})`;
}

/** The builder's row for `fields` (names); `add(text)` receives each condition made. */
export function filterBuilder(fields, add) {
  const name = select("builder-field", fields.map((f) => [f, f]), fields[0]);
  const operator = select("builder-operator", OPERATORS.map(([op, label]) => [op, label]), "=");
  const value = h("input", { name: "builder-value", autocomplete: "off" });
  const sync = () => {
    const takes = OPERATORS.find(([op]) => op === operator.value)?.[2];
    value.disabled = !takes;
  };
  operator.addEventListener("change", sync);
  const addButton = h("button", { type: "button", id: "builder-add", onclick: () => {
    add(condition(name.value, operator.value, value.value));
    value.value = "";
  } }, "Add condition");
  value.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addButton.click();
    }
  });
  return h(
    "fieldset",
    { class: "builder" },
    h("legend", {}, "Filter builder"),
    field("Field", name),
    field("Operator", operator),
    field("Value", value),
    addButton,
  );
}
