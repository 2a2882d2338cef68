// Profile: the signed-in admin's own profile (system/admin/profile), a
// password change (system/admin/password), and signing out.

import { ApiError, api, currentUser, renewSession, signIn, signOut } from "../api.js";
import { actionForm, errorBox, field, h, header, show, toast } from "../widgets.js";

const FIELDS = [
  ["name", "Display name"],
  ["first_name", "First name"],
  ["last_name", "Last name"],
  ["username", "Username"],
  ["email", "E-mail"],
  ["phone", "Phone"],
  ["security_question", "Security question"],
];

export async function render(view) {
  const admin = currentUser()?.is_sys_admin;
  const base = admin ? "system/admin" : "user";
  const profile = await api.get(`${base}/profile`);
  const out = h("button", { type: "button", id: "profile-sign-out", onclick: async () => { await signOut(); location.reload(); } }, "Sign out");
  show(view, header("Profile", out), profileForm(base, profile), passwordForm(base, profile.email));
}

function profileForm(base, profile) {
  const box = errorBox();
  const inputs = FIELDS.map(([name, label]) => [name, label, h("input", { name, value: profile[name] ?? "", type: name === "email" ? "email" : "text", autocomplete: name === "email" ? "email" : "off" })]);
  const current = h("input", { name: "current_password", type: "password", autocomplete: "current-password" });
  const answer = h("input", { name: "security_answer", type: "password", autocomplete: "off" });
  const save = h("button", { type: "submit", class: "primary", id: "save-profile" }, "Save profile");
  return actionForm(
    { class: "card" },
    save,
    box,
    async () => {
      const changes = Object.fromEntries(inputs.map(([name, , input]) => [name, input.value.trim() || null]));
      const body = { ...changes };
      if (current.value) body.current_password = current.value;
      if (answer.value) body.security_answer = answer.value;
      const answered = await api.post(`${base}/profile`, body);
      // A changed e-mail ends the session's token; the answer carries the new one.
      renewSession(answered?.session_token, { name: changes.name, email: changes.email, first_name: changes.first_name, last_name: changes.last_name });
      current.value = "";
      answer.value = "";
      toast("Saved your profile.");
    },
    h("h2", {}, "Your profile"),
    box,
    inputs.map(([, label, input]) => field(label, input)),
    field("Security answer", answer, "Leave empty to keep the current answer."),
    field("Current password", current, "Needed only to change the e-mail."),
    h("div", { class: "form-actions" }, save),
  );
}

function passwordForm(base, email) {
  const box = errorBox();
  const old = h("input", { name: "old_password", type: "password", autocomplete: "current-password", required: true });
  const fresh = h("input", { name: "new_password", type: "password", autocomplete: "new-password", required: true });
  const again = h("input", { name: "confirm_password", type: "password", autocomplete: "new-password", required: true });
  const save = h("button", { type: "submit", class: "primary", id: "change-password" }, "Change password");
  return actionForm(
    { class: "card", novalidate: true },
    save,
    box,
    async () => {
      if (fresh.value !== again.value) {
        throw new ApiError(400, { message: "The new passwords differ.", context: { confirm_password: ["Type the same new password twice."] } });
      }
      const answered = await api.post(`${base}/password`, { old_password: old.value, new_password: fresh.value }, { login: true });
      // The change ends every session of this user: keep the answer's new one, or sign in again.
      if (answered?.session_token) renewSession(answered.session_token);
      else await signIn(email, fresh.value);
      for (const input of [old, fresh, again]) input.value = "";
      toast("Changed your password; you stay signed in.");
    },
    h("h2", {}, "Change password"),
    box,
    field("Current password", old),
    field("New password", fresh),
    field("New password again", again),
    h("div", { class: "form-actions" }, save),
  );
}
