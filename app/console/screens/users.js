// Users and admins: the lists (paged on the server, searched there); create
// (username optional, an invitation when e-mail is set up), edit, deactivate,
// delete; per-app roles; set a password or send a reset e-mail.

import { api, listAll } from "../api.js";
import { lookupEditor } from "../lookups.js";
import { pagedList } from "../pager.js";
import { rowList } from "../rows.js";
import {
  busy, checkbox, confirmAction, empty, errorBox, field, formatDate, h, header, loading, select, show, showError, submitForm, toast,
} from "../widgets.js";

const KINDS = {
  users: { resource: "system/user", one: "user", title: "Users", password: "user/password" },
  admins: { resource: "system/admin", one: "admin", title: "Admins", password: "system/admin/password" },
};

export async function render(view, route) {
  const kind = route.query.get("kind") === "admins" ? "admins" : "users";
  const [first] = route.rest;
  if (!first) return list(view, kind);
  return editor(view, kind, first === "new" ? null : Number(first));
}

function tabs(kind) {
  return h("nav", { class: "tabs", "aria-label": "People" },
    Object.entries(KINDS).map(([name, k]) =>
      h("a", { href: `#/users?kind=${name}`, "aria-current": name === kind ? "page" : false }, k.title)));
}

function list(view, kind) {
  const k = KINDS[kind];
  const create = h("a", { href: `#/users/new?kind=${kind}`, class: "button primary", id: "create-user" }, `Create ${k.one}`);
  const paged = pagedList({
    path: k.resource,
    params: { fields: "id,email,name,username,is_active,last_login_date,confirmed", order: "email" },
    label: k.title.toLowerCase(),
    search: (text) => {
      const t = text.replace(/'/g, "");
      return `(email like '%${t}%') or (name like '%${t}%') or (username like '%${t}%')`;
    },
    columns: [
      { label: "E-mail", value: (u) => h("a", { href: `#/users/${u.id}?kind=${kind}` }, u.email) },
      { label: "Name", value: (u) => u.name || "" },
      { label: "Username", value: (u) => u.username || "" },
      { label: "Status", value: (u) => status(u) },
      { label: "Last login", value: (u) => formatDate(u.last_login_date) },
    ],
    onOpen: (u) => { location.hash = `#/users/${u.id}?kind=${kind}`; },
    emptyNode: empty(`No ${k.title.toLowerCase()} yet. Create one, or let people register through the user service.`, create.cloneNode(true)),
  });
  show(view, header(k.title, create), tabs(kind), paged.element);
  return paged.start();
}

function status(user) {
  if (!user.is_active) return h("span", { class: "pill off" }, "inactive");
  if (user.confirmed === false) return h("span", { class: "pill" }, "invited");
  return h("span", { class: "pill" }, "active");
}

/** Whether an e-mail service exists (invitations and reset e-mails need one). */
async function canMail() {
  const [types, services] = await Promise.all([
    api.get("system/service_type", { group: "Email", fields: "name" }),
    listAll("system/service", { fields: "id,type,is_active" }),
  ]);
  const names = new Set((types.resource || []).map((t) => t.name));
  return services.some((s) => s.is_active && names.has(s.type));
}

async function editor(view, kind, id) {
  const k = KINDS[kind];
  show(view, header(id ? k.title : `Create ${k.one}`), loading());
  const blank = { email: "", username: "", first_name: "", last_name: "", name: "", phone: "", is_active: true };
  const related = "user_to_app_to_role_by_user_id,lookup_by_user_id";
  const [user, apps, roles, mail] = await Promise.all([
    id ? api.get(`${k.resource}/${id}`, { related }) : blank,
    listAll("system/app", { fields: "id,name", order: "name" }),
    listAll("system/role", { fields: "id,name", order: "name" }),
    canMail(),
  ]);
  const box = errorBox();
  const input = (name, props = {}) => h("input", { name, value: user[name] ?? "", autocomplete: "off", ...props });
  const email = input("email", { type: "email", required: true });
  const username = input("username");
  const first = input("first_name");
  const last = input("last_name");
  const display = input("name");
  const phone = input("phone", { type: "tel" });
  const active = checkbox("Active", "is_active", user.is_active, "An inactive account cannot sign in; deactivating ends its sessions.");
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password" });
  const invite = !id && mail ? checkbox("Send an invitation e-mail", "send_invite", false, "Instead of a password: they set their own from the link in it.") : null;
  const appRoles = appRoleEditor(apps, roles, user.user_to_app_to_role_by_user_id || []);
  const lookups = lookupEditor("lookup_by_user_id", user.lookup_by_user_id || [], "user_id");
  const save = h("button", { type: "submit", class: "primary", id: "save-user" }, id ? "Save" : "Create");
  const form = submitForm(
    save,
    submit,
    box,
    field("E-mail", email),
    field("Username", username, "Optional: at least 6 characters, no spaces."),
    h("div", { class: "row" }, field("First name", first), field("Last name", last)),
    field("Display name", display, "Left empty, it is made from the names or the e-mail."),
    field("Phone", phone),
    active,
    h("h2", {}, "Password"),
    field(id ? "Set a new password" : "Password", password, id ? "Leave empty to keep the current one; setting one ends their sessions." : mail ? "Or leave it empty and send an invitation." : "At least the length the server asks for."),
    invite,
    id && mail ? h("button", { type: "button", id: "send-reset", onclick: (e) => busy(e.currentTarget, sendReset) }, "E-mail a password reset") : null,
    h("h2", {}, "Roles per app"),
    h("p", { class: "hint" }, kind === "admins"
      ? "An admin given a role for an app is limited to that role when signing in through it."
      : "Through each app listed, this user has the role chosen instead of the app's default role."),
    appRoles.element,
    h("h2", {}, "Lookups"),
    lookups.element,
    h("div", { class: "form-actions" },
      save,
      id ? h("button", { type: "button", id: "toggle-active", onclick: (e) => busy(e.currentTarget, toggleActive) }, user.is_active ? "Deactivate" : "Activate") : null,
      id ? h("button", { type: "button", class: "danger", id: "delete-user", onclick: remove }, "Delete") : null),
  );

  function record() {
    const out = {
      email: email.value.trim(),
      username: username.value.trim(), // "" when left empty, as DreamFactory's console sends it
      first_name: first.value.trim(),
      last_name: last.value.trim(),
      phone: phone.value.trim(),
      is_active: active.querySelector("input").checked,
      user_to_app_to_role_by_user_id: appRoles.value(),
      lookup_by_user_id: lookups.value(),
    };
    if (display.value.trim() || id) out.name = display.value.trim();
    if (password.value) out.password = password.value;
    return out;
  }

  async function submit() {
    try {
      if (id) {
        await api.patch(`${k.resource}/${id}`, record());
        toast(`Saved ${email.value}.`);
        editor(view, kind, id);
      } else {
        const sendInvite = invite?.querySelector("input").checked;
        const created = await api.post(k.resource, { resource: [record()] }, sendInvite ? { send_invite: true } : {});
        toast(sendInvite ? `Created ${email.value} and sent the invitation.` : `Created ${email.value}.`);
        location.hash = `#/users/${created.resource[0].id}?kind=${kind}`;
      }
    } catch (error) {
      showError(box, error, form);
      box.scrollIntoView({ block: "nearest" });
    }
  }

  async function toggleActive() {
    const next = !user.is_active;
    if (!next && !(await confirmAction(`Deactivate ${user.email}? They are signed out and cannot sign in until activated again.`, "Deactivate"))) return;
    try {
      await api.patch(`${k.resource}/${id}`, { is_active: next });
      toast(next ? `Activated ${user.email}.` : `Deactivated ${user.email}.`);
      editor(view, kind, id);
    } catch (error) {
      showError(box, error);
    }
  }

  async function sendReset() {
    try {
      await api.post(k.password, { email: user.email }, { reset: true });
      toast(`Sent a password reset e-mail to ${user.email}.`);
    } catch (error) {
      showError(box, error);
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete ${user.email}? Their account, sessions and per-app roles go for good.`))) return;
    try {
      await api.delete(`${k.resource}/${id}`);
      toast(`Deleted ${user.email}.`);
      location.hash = `#/users?kind=${kind}`;
    } catch (error) {
      showError(box, error);
    }
  }

  show(view, header(id ? user.email : `Create ${k.one}`, h("a", { href: `#/users?kind=${kind}` }, `All ${k.title.toLowerCase()}`)), form);
}

/** One role per app (removed saved rows are sent with user_id null). */
function appRoleEditor(apps, roles, rows) {
  let count = 0;
  return rowList(rows, (row) => {
    const n = ++count;
    const app = select(`app_role.${n}.app_id`, [["", "Pick an app"], ...apps.map((a) => [a.id, a.name])], row.app_id ?? "");
    const role = select(`app_role.${n}.role_id`, [["", "Pick a role"], ...roles.map((r) => [r.id, r.name])], row.role_id ?? "");
    return {
      element: h("div", { class: "row app-role" }, field("App", app), field("Role", role)),
      value: () => ({ app_id: app.value ? Number(app.value) : null, role_id: role.value ? Number(role.value) : null }),
    };
  }, { addLabel: "Add a role for an app", addId: "add-app-role", orphan: { user_id: null }, className: "app-roles" });
}
