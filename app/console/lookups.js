// Lookups of a role, an app or a user, edited inside the owner's form: name,
// value, private. A private value comes back masked and is kept when the mask is
// sent unchanged.

import { rowList } from "./rows.js";
import { checkbox, h } from "./widgets.js";

let count = 0;

/** lookupEditor("lookup_by_role_id", rows, "role_id") → {element, value()}. */
export function lookupEditor(relation, rows, ownerKey) {
  return rowList(rows, (row) => {
    const n = ++count;
    const name = h("input", { name: `${relation}.${n}.name`, value: row.name || "", "aria-label": "Lookup name", placeholder: "name" });
    const value = h("input", { name: `${relation}.${n}.value`, value: row.value ?? "", "aria-label": "Lookup value", placeholder: "value" });
    const secret = checkbox("Private", `${relation}.${n}.private`, row.private);
    return {
      element: h("div", { class: "row lookup" }, name, value, secret),
      value: () => ({ name: name.value.trim(), value: value.value, private: secret.querySelector("input").checked }),
    };
  }, { addLabel: "Add lookup", orphan: { [ownerKey]: null } });
}
