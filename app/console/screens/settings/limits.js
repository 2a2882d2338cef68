// Usage limits (system/limit) in DreamFactory's shape: a type naming what is
// counted (the instance, a user, each user, a role, a service, an endpoint),
// a rate per period, and optionally one verb.

import { listAll } from "../../api.js";
import { h } from "../../widgets.js";

const TYPES = [
  ["instance", "Instance: every call"],
  ["instance.user", "A user"],
  ["instance.each_user", "Each user"],
  ["instance.role", "A role"],
  ["instance.service", "A service"],
  ["instance.user.service", "A user of a service"],
  ["instance.each_user.service", "Each user of a service"],
  ["instance.service.endpoint", "An endpoint of a service"],
  ["instance.user.service.endpoint", "A user of an endpoint"],
  ["instance.each_user.service.endpoint", "Each user of an endpoint"],
];
const PERIODS = ["minute", "hour", "day", "7-day", "30-day"];
const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

const scopes = (values) => String(values.type || "").split(".");

export const limits = {
  tab: "limits",
  path: "system/limit",
  title: "Limits",
  noun: "limit",
  hint: "Calls allowed per period; a call past the limit is answered 429.",
  emptyText: "No limits yet. Add one to cap calls per minute, hour or day for the instance, a user, a role or a service.",
  blank: { type: "instance", period: "minute", is_active: true },
  columns: [
    { label: "Name", value: (r) => r.name },
    { label: "Type", value: (r) => TYPES.find(([t]) => t === r.type)?.[1] || r.type },
    { label: "Rate", value: (r) => `${r.rate} per ${r.period}${r.verb ? ` (${r.verb})` : ""}` },
    { label: "Active", value: (r) => h("span", { class: r.is_active ? "pill" : "pill off" }, r.is_active ? "active" : "inactive") },
  ],
  async fields() {
    const [users, roles, services] = await Promise.all([
      listAll("system/user", { fields: "id,email,name" }),
      listAll("system/role", { fields: "id,name" }),
      listAll("system/service", { fields: "id,name" }),
    ]);
    return [
      { name: "name", label: "Name", kind: "text", required: true },
      { name: "description", label: "Description", kind: "text" },
      { name: "type", label: "Limit type", kind: "select", options: TYPES, required: true },
      { name: "rate", label: "Rate", kind: "number", required: true, hint: "Calls allowed in each period." },
      { name: "period", label: "Period", kind: "select", options: PERIODS.map((p) => [p, p]) },
      { name: "user_id", label: "User", kind: "select", numeric: true, options: users.map((u) => [u.id, u.email || u.name]), when: (v) => scopes(v).includes("user") },
      { name: "role_id", label: "Role", kind: "select", numeric: true, options: roles.map((r) => [r.id, r.name]), when: (v) => scopes(v).includes("role") },
      { name: "service_id", label: "Service", kind: "select", numeric: true, options: services.map((s) => [s.id, s.name]), when: (v) => scopes(v).includes("service") },
      { name: "endpoint", label: "Endpoint", kind: "text", hint: "A path in the service, e.g. _table/contact (end with * for a prefix).", when: (v) => scopes(v).includes("endpoint") },
      { name: "verb", label: "Verb", kind: "select", none: "Every verb", options: VERBS.map((x) => [x, x]) },
      { name: "is_active", label: "Active", kind: "checkbox", default: true },
    ];
  },
};
