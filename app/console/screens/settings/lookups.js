// System-wide lookups (system/lookup): {name} values substituted in service
// configs, role filters and scripts; private values are never shown again.

import { h } from "../../widgets.js";

export const lookups = {
  tab: "lookups",
  path: "system/lookup",
  title: "Lookups",
  noun: "lookup",
  order: "name",
  hint: "Write {name} in a service's settings, a role filter or a script, and the value is used there.",
  emptyText: "No lookups yet. Add one to keep a value (a host, a key) in one place.",
  blank: { private: false },
  columns: [
    { label: "Name", value: (r) => h("code", {}, r.name) },
    { label: "Value", value: (r) => r.value ?? "" },
    { label: "Private", value: (r) => (r.private ? "yes" : "") },
    { label: "Description", value: (r) => r.description || "" },
  ],
  async fields() {
    return [
      { name: "name", label: "Name", kind: "text", required: true },
      { name: "value", label: "Value", kind: "text", hint: "A private value shows as ********** once saved; leave it so to keep it." },
      { name: "private", label: "Private", kind: "checkbox" },
      { name: "description", label: "Description", kind: "text" },
    ];
  },
};
