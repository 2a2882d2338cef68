// Apps: the list (paged on the server); create and edit an app of each of
// DreamFactory's kinds (no storage, a folder of a file service, a path on this
// server, a remote URL), its default role and lookups; copy and regenerate the
// API key; let AI agents in through MCP (with the URL to give them); launch it;
// delete it.

import { api, listAll } from "../api.js";
import { lookupEditor } from "../lookups.js";
import { pagedList } from "../pager.js";
import { link, navigate } from "../router.js";
import {
  basicFields, busy, checkbox, confirmAction, empty, errorBox, field, h, header, loading, select, show, showError, submitForm,
  toast,
} from "../widgets.js";

/** DreamFactory's app types: [type, label, what it means]. */
const TYPES = [
  [0, "No storage", "A client elsewhere (mobile, desktop, another server) that only needs an API key."],
  [1, "Folder of a file service", "Files served from a folder of one of this instance's file services."],
  [3, "Path on this server", "A page this server hosts, such as /docs."],
  [2, "Remote URL", "An app hosted somewhere else, opened at its URL."],
];

export async function render(view, route) {
  const [first] = route.rest;
  if (!first) return list(view);
  return editor(view, first === "new" ? null : Number(first));
}

function list(view) {
  const create = h("a", { href: "#/apps/new", class: "button primary", id: "create-app" }, "Create app");
  const paged = pagedList({
    path: "system/app",
    params: { fields: "id,name,description,type,is_active,role_id,launch_url", related: "role_by_role_id", order: "name" },
    label: "apps",
    search: (text) => `name like '%${text.replace(/'/g, "")}%'`,
    columns: [
      { label: "Name", value: (a) => link(a.name, "apps", a.id) },
      { label: "Kind", value: (a) => TYPES.find(([t]) => t === a.type)?.[1] || String(a.type) },
      { label: "Default role", value: (a) => a.role_by_role_id?.name || h("span", { class: "hint" }, "none") },
      { label: "Active", value: (a) => h("span", { class: a.is_active ? "pill" : "pill off" }, a.is_active ? "active" : "inactive") },
      { label: "Launch", value: (a) => (a.launch_url ? h("a", { href: a.launch_url, target: "_blank", rel: "noopener" }, "Open") : "") },
    ],
    onOpen: (a) => navigate("apps", a.id),
    emptyNode: empty("No apps yet. An app is how a client calls the API: it gets an API key and a default role.", create.cloneNode(true)),
  });
  show(view, header("Apps", create), paged.element);
  return paged.start();
}

async function fileServices() {
  const [types, services] = await Promise.all([
    api.get("system/service_type", { group: "File", fields: "name" }),
    listAll("system/service", { fields: "id,name,type" }),
  ]);
  const names = new Set((types.resource || []).map((t) => t.name));
  return services.filter((s) => names.has(s.type));
}

async function editor(view, id) {
  show(view, header(id ? "App" : "Create app"), loading());
  const blank = { name: "", description: "", is_active: true, type: 0, role_id: null, allow_mcp: false };
  const [app, roles, files] = await Promise.all([
    id ? api.get(`system/app/${id}`, { related: "lookup_by_app_id", fields: "*" }) : blank,
    listAll("system/role", { fields: "id,name", order: "name" }),
    fileServices(),
  ]);
  const box = errorBox();
  const basics = basicFields(app);
  const role = select("role_id", [["", "No default role"], ...roles.map((r) => [r.id, r.name])], app.role_id ?? "");
  const type = select("type", TYPES.map(([t, label]) => [t, label]), app.type);
  const typeHint = h("p", { class: "hint" });
  const storage = select("storage_service_id", [["", "Pick a file service"], ...files.map((s) => [s.id, s.name])], app.storage_service_id ?? "");
  const container = h("input", { name: "storage_container", value: app.storage_container || "", placeholder: "my-app" });
  // one input per kind: a node has one parent, so a shared input would sit in one field only
  const launchFile = h("input", { name: "path", value: app.type === 1 ? app.path || "" : "", placeholder: "index.html" });
  const serverPath = h("input", { name: "path", value: app.type === 3 ? app.path || "" : "", placeholder: "docs" });
  const url = h("input", { name: "url", type: "url", value: app.url || "", placeholder: "https://example.com/app" });
  const places = {
    1: [field("File service", storage), field("Folder", container, "The folder of the service that holds the app."), field("Launch file", launchFile, "Its start page in that folder, such as index.html.")],
    3: [field("Path", serverPath, "The path on this server, such as docs or my-app/index.html.")],
    2: [field("URL", url)],
  };
  const where = h("div", { class: "app-location" });
  const showType = () => {
    typeHint.textContent = TYPES.find(([t]) => String(t) === type.value)?.[2] || "";
    show(where, places[type.value] || []);
  };
  type.addEventListener("change", showType);
  showType();
  const mcp = checkbox(
    "Allow AI agents (MCP)",
    "allow_mcp",
    app.allow_mcp,
    `MCP clients connect to ${location.origin}/mcp with this app's key in the X-DreamFactory-API-Key header, `
      + "and reach what its role reaches (the README's MCP section shows client configurations).",
  );
  const lookups = lookupEditor("lookup_by_app_id", app.lookup_by_app_id || [], "app_id");
  const save = h("button", { type: "submit", class: "primary", id: "save-app" }, id ? "Save" : "Create");
  const form = submitForm(
    save,
    submit,
    box,
    basics.fields,
    field("Default role", role, "The role of calls with this app's key, unless the user has a role of their own for it."),
    field("Where the app lives", type),
    typeHint,
    where,
    id ? keyField(app, box) : null,
    mcp,
    h("h2", {}, "Lookups"),
    lookups.element,
    h("div", { class: "form-actions" },
      save,
      app.launch_url ? h("a", { class: "button", id: "launch-app", href: app.launch_url, target: "_blank", rel: "noopener" }, "Launch") : null,
      id ? h("button", { type: "button", class: "danger", id: "delete-app", onclick: remove }, "Delete") : null),
  );

  function record() {
    const kind = Number(type.value);
    return {
      ...basics.value(),
      role_id: role.value ? Number(role.value) : null,
      allow_mcp: mcp.querySelector("input").checked,
      type: kind,
      storage_service_id: kind === 1 && storage.value ? Number(storage.value) : null,
      storage_container: kind === 1 ? container.value.trim() : null,
      path: { 1: launchFile, 3: serverPath }[kind]?.value.trim() ?? null,
      url: kind === 2 ? url.value.trim() : null,
      lookup_by_app_id: lookups.value(),
    };
  }

  async function submit() {
    try {
      if (id) {
        await api.patch(`system/app/${id}`, record());
        toast(`Saved ${basics.value().name}.`);
        editor(view, id);
      } else {
        const created = await api.post("system/app", { resource: [record()] });
        toast(`Created ${basics.value().name}: its API key is ready to copy.`);
        navigate("apps", created.resource[0].id);
      }
    } catch (error) {
      showError(box, error, form);
      box.scrollIntoView({ block: "nearest" });
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete the app "${app.name}"? Clients using its API key are refused at once.`))) return;
    try {
      await api.delete(`system/app/${id}`);
      toast(`Deleted ${app.name}.`);
      navigate("apps");
    } catch (error) {
      showError(box, error);
    }
  }

  show(view, header(id ? app.name : "Create app", h("a", { href: "#/apps" }, "All apps")), form);
}

/** The API key, read-only, with Copy and Regenerate (confirmed: the old key stops working). */
function keyField(app, box) {
  const key = h("input", { name: "api_key", id: "api-key", value: app.api_key, readonly: true, class: "code" });
  const copy = h("button", { type: "button", id: "copy-key", onclick: () => copyKey(key) }, "Copy");
  const regenerate = h("button", {
    type: "button", id: "regenerate-key",
    onclick: async (event) => {
      const button = event.currentTarget;
      if (!(await confirmAction(`Give "${app.name}" a new API key? Clients using the current key are refused until they get the new one.`, "Regenerate"))) return;
      await busy(button, async () => {
        try {
          const saved = await api.patch(`system/app/${app.id}`, {}, { regenerate: true, fields: "api_key" });
          key.value = saved.api_key;
          toast("A new API key is in place.");
        } catch (error) {
          showError(box, error);
        }
      });
    },
  }, "Regenerate");
  return h("div", { class: "field" }, h("label", { for: key.id }, "API key"), h("div", { class: "row key-row" }, key, copy, regenerate));
}

async function copyKey(input) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // no clipboard permission (a plain-http page): the key is selected for Ctrl+C
    toast("The key is selected: press Ctrl+C to copy it.");
    return;
  }
  toast("API key copied.");
}
