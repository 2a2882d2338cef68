// A list of editable child rows inside a form (access rows, filters, lookups,
// per-app roles): add, remove, and the value to send. A removed row that was
// saved is sent with its owner key null, which is how the API detaches (deletes) it.

import { h } from "./widgets.js";

/**
 * rowList(rows, build, {addLabel, addId, orphan}) → {element, value()}.
 * `build(row)` returns {element, value()}; each gets a Remove button.
 * `orphan` ({role_id: null}) is what a removed saved row is sent with.
 */
export function rowList(rows, build, { addLabel, addId = null, orphan = null, className = "" }) {
  const holder = h("div", { class: `rows ${className}` });
  const entries = [];
  const removed = [];
  const add = (row) => {
    const built = build(row);
    const entry = { row, built };
    const remove = h("button", {
      type: "button", class: "small remove-row", "aria-label": `Remove this ${addLabel.replace(/^Add (a |an )?/i, "")}`,
      onclick: () => {
        entries.splice(entries.indexOf(entry), 1);
        built.element.remove();
        if (row.id) removed.push(row.id);
      },
    }, "Remove");
    built.element.append(remove);
    entries.push(entry);
    holder.append(built.element);
  };
  rows.forEach(add);
  return {
    element: h("div", {}, holder, h("button", { type: "button", class: "small", id: addId, onclick: () => add({}) }, addLabel)),
    value: () => [
      ...entries.map(({ row, built }) => ({ ...(row.id ? { id: row.id } : {}), ...built.value() })),
      ...(orphan ? removed.map((id) => ({ id, ...orphan })) : []),
    ],
  };
}
