// The instance: its settings (system/config), what it runs on
// (system/environment) and its caches (system/cache).

import { api, listAll } from "../../api.js";
import { actionForm, busy, errorBox, field, h, header, select, show, showError, table, toast } from "../../widgets.js";

/** system/config's settings: [name, label, what it picks from, hint]. */
const CONFIG = [
  ["default_app_id", "Default app", "apps", "The app users land in after signing in."],
  ["invite_email_service_id", "Invitation e-mail service", "email", null],
  ["invite_email_template_id", "Invitation e-mail template", "templates", null],
  ["password_email_service_id", "Password reset e-mail service", "email", null],
  ["password_email_template_id", "Password reset e-mail template", "templates", null],
];

export async function systemTab(view) {
  const [config, environment, apps, services, types, templates, caches] = await Promise.all([
    api.get("system/config"),
    api.get("system/environment"),
    listAll("system/app", { fields: "id,name" }),
    listAll("system/service", { fields: "id,name,type" }),
    api.get("system/service_type", { fields: "name,group" }),
    listAll("system/email_template", { fields: "id,name" }),
    api.get("system/cache"),
  ]);
  const emailTypes = new Set((types.resource || []).filter((t) => t.group === "Email").map((t) => t.name));
  const choices = {
    apps: apps.map((a) => [a.id, a.name]),
    email: services.filter((s) => emailTypes.has(s.type)).map((s) => [s.id, s.name]),
    templates: templates.map((t) => [t.id, t.name]),
  };
  show(
    view,
    header("Config and system"),
    configForm(config, choices),
    cacheSection(caches.resource || []),
    h("h2", {}, "System information"),
    info(environment),
  );
}

function configForm(config, choices) {
  const box = errorBox();
  const save = h("button", { type: "submit", class: "primary", id: "save-config" }, "Save settings");
  return actionForm(
    { class: "card" },
    save,
    box,
    async (form) => {
      const out = Object.fromEntries(CONFIG.map(([name]) => [name, form.elements[name].value === "" ? null : Number(form.elements[name].value)]));
      await api.patch("system/config", out);
      toast("Saved the settings.");
    },
    h("h2", {}, "Settings"),
    box,
    CONFIG.map(([name, label, kind, hint]) => field(label, select(name, [["", "None"], ...choices[kind]], config[name]), hint)),
    h("div", { class: "form-actions" }, save),
  );
}

function cacheSection(services) {
  const box = errorBox();
  const flush = async (path, what) => {
    try {
      await api.delete(path);
      box.hidden = true;
      toast(`Flushed ${what}.`);
    } catch (error) {
      showError(box, error);
    }
  };
  const one = select("cache_service", services.map((s) => [s.name, s.label ? `${s.name} (${s.label})` : s.name]), null);
  return h(
    "section",
    { class: "card" },
    h("h2", {}, "Cache"),
    h("p", { class: "hint" }, "Cached system records and service answers (database schemas, remote GETs) are dropped and read again."),
    box,
    h("div", { class: "form-actions" },
      h("button", { type: "button", id: "flush-all", onclick: (e) => busy(e.currentTarget, () => flush("system/cache", "every cache")) }, "Flush every cache"),
    ),
    h("div", { class: "row" },
      field("One service", one),
      h("button", { type: "button", id: "flush-service", onclick: (e) => busy(e.currentTarget, () => flush(`system/cache/${encodeURIComponent(one.value)}`, `${one.value}'s cache`)) }, "Flush")),
  );
}

/** The environment's sections (platform, server, client, queue) as name/value tables. */
function info(environment) {
  const sections = Object.entries(environment).filter(([name, value]) => value && typeof value === "object" && !Array.isArray(value) && name !== "authentication");
  return h("div", { class: "cards" }, sections.map(([name, values]) =>
    h("section", { class: "card" }, h("h3", {}, name),
      table(
        [{ label: "Name", value: ([key]) => key }, { label: "Value", value: ([, v]) => (v && typeof v === "object" ? JSON.stringify(v) : String(v ?? "")) }],
        Object.entries(values),
      ))));
}
