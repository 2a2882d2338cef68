// Home: what is configured, where to start, and how the scripts are doing.

import { api, listAll } from "../api.js";
import { link } from "../router.js";
import { empty, formatDate, h, header, loading, show, table } from "../widgets.js";

async function count(path) {
  const answer = await api.get(path, { include_count: true, limit: 1, fields: "id" });
  return answer.meta?.count ?? answer.resource?.length ?? 0;
}

export async function render(view) {
  show(view, header("Home"), loading());
  const [services, types, apps, roles, users, admins, stats] = await Promise.all([
    listAll("system/service", { fields: "id,name,label,type,is_active" }),
    api.get("system/service_type", { fields: "name,label,group" }),
    count("system/app"),
    count("system/role"),
    count("system/user"),
    count("system/admin"),
    api.get("system/script_stats").catch(() => ({ resource: [] })),
  ]);
  const groups = new Map((types.resource || []).map((t) => [t.name, t.group]));
  const byGroup = new Map();
  for (const service of services) {
    const group = groups.get(service.type) || "Other";
    byGroup.set(group, (byGroup.get(group) || 0) + 1);
  }
  const hasDatabase = services.some((s) => groups.get(s.type) === "Database" && s.name !== "db");
  const failing = (stats.resource || []).filter((s) => s.errors > 0).sort((a, b) => String(b.last_run_at).localeCompare(String(a.last_run_at)));

  show(
    view,
    header("Home"),
    hasDatabase
      ? null
      : h(
          "div",
          { class: "notice" },
          "Start here: ",
          link("create a database API", "services", "new"),
          " — point it at PostgreSQL, MariaDB or SQLite and its tables are a REST API at once. The sample service ",
          link("db", "data", "db"),
          " shows one.",
        ),
    h(
      "div",
      { class: "cards" },
      h("section", { class: "card" }, h("h2", {}, link("Services", "services")), h("p", { class: "stat" }, services.length),
        h("ul", {}, [...byGroup].sort().map(([group, n]) => h("li", {}, `${group}: ${n}`)))),
      h("section", { class: "card" }, h("h2", {}, link("Apps", "apps")), h("p", { class: "stat" }, apps), h("p", { class: "hint" }, "API keys clients send.")),
      h("section", { class: "card" }, h("h2", {}, link("Roles", "roles")), h("p", { class: "stat" }, roles), h("p", { class: "hint" }, "What apps and users may do.")),
      h("section", { class: "card" }, h("h2", {}, link("Users", "users")), h("p", { class: "stat" }, users), h("p", { class: "hint" }, `${admins} admin${admins === 1 ? "" : "s"}.`)),
    ),
    h("h2", {}, "Scripts"),
    (stats.resource || []).length === 0
      ? empty("No script has run yet. Add one to an endpoint's events on the Scripts screen.", link("Open Scripts", "scripts"))
      : table(
          [
            { label: "Script", value: (s) => s.name },
            { label: "Runs", value: (s) => s.runs },
            { label: "Errors", value: (s) => s.errors },
            { label: "Average", value: (s) => `${Math.round(s.avg_ms ?? 0)} ms` },
            { label: "Last run", value: (s) => formatDate(s.last_run_at) },
            { label: "Last error", value: (s) => s.last_error || "" },
          ],
          [...failing, ...(stats.resource || []).filter((s) => !s.errors)].slice(0, 10),
        ),
  );
}
