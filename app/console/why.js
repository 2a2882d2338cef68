// The "why" panel: would a call be allowed for a role, or for an app and a user,
// and which access row decides? Asked of system/access, which answers with the
// server's own decision.

import { api, listAll } from "./api.js";
import { busy, errorBox, field, h, select, show, showError } from "./widgets.js";

const VERB_NAMES = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const REQUESTOR_NAMES = { 1: "API", 2: "script", 3: "API and script" };

/** whyPanel({role, embedded}) → a form section; `embedded` asks about `role` only. */
export async function whyPanel({ role = null, embedded = false } = {}) {
  const [roles, apps] = embedded
    ? [[], []]
    : await Promise.all([
        listAll("system/role", { fields: "id,name", order: "name" }),
        listAll("system/app", { fields: "id,name", order: "name" }),
      ]);
  const box = errorBox();
  const result = h("div", { class: "why-result", "aria-live": "polite", id: "why-result" });
  const verb = select("verb", VERB_NAMES.map((v) => [v, v]), "GET");
  const path = h("input", { name: "path", placeholder: "db/_table/contact", required: true, autocomplete: "off" });
  const requestor = select("requestor", [["API", "API (a client)"], ["SCRIPT", "Script (platform.api)"]], "API");
  const ask = h("button", { type: "submit", class: "primary", id: "why-ask" }, "Explain");
  const who = embedded ? null : chooser(roles, apps, role);
  const form = h(
    "form",
    { class: "card why", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(ask, explain); } },
    h("h2", {}, embedded ? "Why is a call allowed for this role?" : "Who calls"),
    who?.element,
    box,
    h("div", { class: "row" }, field("Verb", verb), field("Path", path, "The API path after /api/v2/: service, then component."), field("Requestor", requestor)),
    ask,
    result,
  );

  async function explain() {
    const params = { verb: verb.value, path: path.value.trim(), requestor: requestor.value, ...(who ? who.value() : { role_id: role }) };
    try {
      const answer = await api.get("system/access", params);
      box.hidden = true;
      show(result, describe(answer));
      markRow(answer.access?.id);
    } catch (error) {
      show(result);
      showError(box, error, form);
    }
  }
  return form;
}

function chooser(roles, apps, role) {
  const mode = select("mode", [["role", "A role"], ["app", "An app and a user"]], "role");
  const roleSelect = select("role_id", roles.map((r) => [r.id, r.name]), role ?? roles[0]?.id);
  const appSelect = select("app", [["", "No app (no API key)"], ...apps.map((a) => [a.id, a.name])], "");
  const user = h("input", { name: "user", type: "text", placeholder: "e-mail or id; empty: no user", autocomplete: "off" });
  const byRole = h("div", { class: "row" }, field("Role", roleSelect));
  const byApp = h("div", { class: "row", hidden: true }, field("App", appSelect), field("User", user, "Their role through the app, else the app's default role."));
  mode.addEventListener("change", () => {
    byRole.hidden = mode.value !== "role";
    byApp.hidden = mode.value === "role";
  });
  return {
    element: h("div", {}, field("Ask about", mode), byRole, byApp),
    value: () => (mode.value === "role" ? { role_id: roleSelect.value } : { app: appSelect.value, user: user.value.trim() }),
  };
}

function describe(answer) {
  const row = answer.access;
  return h(
    "div",
    { class: answer.allowed ? "verdict allowed" : "verdict denied", dataset: { allowed: String(answer.allowed) } },
    h("p", {}, h("strong", { class: "verdict-word" }, answer.allowed ? "Allowed" : `Denied (${answer.status_code})`),
      ` ${answer.verb} ${answer.service}/${answer.component}`,
      answer.role ? ` with role ${answer.role.name}` : "",
      answer.app ? ` through app ${answer.app.name}` : "",
      answer.user ? ` as ${answer.user.email}` : ""),
    h("p", { class: "why-reason" }, answer.reason),
    row
      ? h("dl", { class: "why-row" },
          h("dt", {}, "Deciding row"), h("dd", {}, `${row.service ?? "every service"} · ${row.component || "(service root)"}`),
          h("dt", {}, "Verbs"), h("dd", {}, VERB_NAMES.filter((_, i) => row.verb_mask & (1 << i)).join(", ") || "none"),
          h("dt", {}, "Requestor"), h("dd", {}, REQUESTOR_NAMES[row.requestor_mask] || "none"),
          row.filters?.length
            ? [h("dt", {}, `Record filters (${row.filter_op})`),
               h("dd", {}, row.filters.map((f) => `${f.name} ${f.operator} ${f.value ?? ""}`).join("; "))]
            : null)
      : h("p", { class: "hint" }, "No access row decided this."),
  );
}

/** Highlight the deciding row when the role's editor is on the page. */
function markRow(id) {
  document.querySelectorAll(".access-row.deciding").forEach((node) => node.classList.remove("deciding"));
  if (id) document.querySelector(`.access-row[data-row-id="${id}"]`)?.classList.add("deciding");
}
