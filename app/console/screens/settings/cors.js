// CORS rules (system/cors): which origins may call which paths, with which verbs and headers.

import { h } from "../../widgets.js";

const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

export const cors = {
  tab: "cors",
  path: "system/cors",
  title: "CORS",
  noun: "CORS rule",
  hint: "Browsers on another origin may call the API only as these rules allow.",
  emptyText: "No CORS rules yet: only pages served by this server can call the API from a browser. Add one for another origin.",
  blank: { path: "*", origin: "*", method: ["GET"], max_age: 0, enabled: true },
  columns: [
    { label: "Path", value: (r) => h("code", {}, r.path) },
    { label: "Origin", value: (r) => r.origin },
    { label: "Verbs", value: (r) => (r.method || []).join(", ") },
    { label: "Enabled", value: (r) => h("span", { class: r.enabled ? "pill" : "pill off" }, r.enabled ? "enabled" : "disabled") },
  ],
  async fields() {
    return [
      { name: "path", label: "Path", kind: "text", required: true, hint: "An API path, e.g. api/v2/db/* or * for all." },
      { name: "origin", label: "Origin", kind: "text", required: true, hint: "e.g. https://example.com, several separated by commas, or *." },
      { name: "method", label: "Verbs", kind: "verbs", options: VERBS },
      { name: "header", label: "Allowed headers", kind: "text", hint: "Request headers allowed, comma separated, or *." },
      { name: "exposed_header", label: "Exposed headers", kind: "text" },
      { name: "max_age", label: "Max age (seconds)", kind: "number" },
      { name: "supports_credentials", label: "Allow credentials", kind: "checkbox" },
      { name: "description", label: "Description", kind: "text" },
      { name: "enabled", label: "Enabled", kind: "checkbox", default: true },
    ];
  },
};
