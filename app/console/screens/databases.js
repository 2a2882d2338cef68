// The pickers in front of the Schema and Data screens: a database service (a
// service whose type's group is Database), then one of its tables.

import { api, listAll } from "../api.js";
import { link, navigate } from "../router.js";
import { empty, h, header, loading, show, table } from "../widgets.js";

/** The services whose type is in the Database group, by name. */
export async function databaseServices() {
  const [services, types] = await Promise.all([
    listAll("system/service", { fields: "id,name,label,type,is_active" }),
    api.get("system/service_type", { fields: "name,label,group" }),
  ]);
  const byType = new Map((types.resource || []).map((t) => [t.name, t]));
  return services
    .filter((s) => byType.get(s.type)?.group === "Database")
    .map((s) => ({ ...s, typeLabel: byType.get(s.type)?.label || s.type }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The list of database services; opening one goes to `#/<screen>/<service>`. */
export async function pickService(view, screen, title, intro) {
  show(view, header(title), loading());
  const services = await databaseServices();
  const create = h("a", { href: "#/services/new", class: "button primary" }, "Create a database service");
  show(
    view,
    header(title),
    h("p", {}, intro),
    services.length === 0
      ? empty("No database service yet. Create one (PostgreSQL, MariaDB or SQLite) and its tables show here.", create)
      : table(
          [
            { label: "Service", value: (s) => link(s.name, screen, s.name) },
            { label: "Label", value: (s) => s.label || "" },
            { label: "Type", value: (s) => s.typeLabel },
            { label: "Active", value: (s) => h("span", { class: s.is_active ? "pill" : "pill off" }, s.is_active ? "active" : "inactive") },
          ],
          services,
          { onOpen: (s) => navigate(screen, s.name) },
        ),
  );
}

/** The tables a caller can read through `_table`; opening one goes to `#/<screen>/<service>/<table>`. */
export async function pickTable(view, screen, service, title) {
  show(view, header(title), loading());
  const tables = (await api.get(`${service}/_table`, { fields: "name,label,is_view" })).resource || [];
  show(
    view,
    header(title, h("a", { href: `#/${screen}` }, "All database services")),
    tables.length === 0
      ? empty(`${service} has no table you can read yet. Create one on the Schema screen.`, link("Open the schema", "schema", service))
      : table(
          [
            { label: "Table", value: (t) => link(t.name, screen, service, t.name) },
            { label: "Label", value: (t) => t.label || "" },
            { label: "Kind", value: (t) => (t.is_view ? "view" : "table") },
          ],
          tables,
          { onOpen: (t) => navigate(screen, service, t.name) },
        ),
  );
}
