// The console's shell: sign-in, the navigation, and the screen of the route
// (router.js). The place a user was is kept when their session ends and
// restored after signing in.

import { currentUser, signIn, signOut } from "./api.js";
import { SCREENS, route } from "./router.js";
import { busy, errorBox, field, h, show, showError } from "./widgets.js";

const root = document.getElementById("app");
const NEXT = "df.next";

function signInScreen(notice) {
  const box = errorBox();
  const email = h("input", { name: "email", type: "email", autocomplete: "username", required: true, autofocus: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary", id: "sign-in" }, "Sign in");
  const form = h(
    "form",
    {
      class: "sign-in card",
      onsubmit: (event) => {
        event.preventDefault();
        busy(submit, async () => {
          try {
            await signIn(email.value, password.value);
            const next = sessionStorage.getItem(NEXT);
            sessionStorage.removeItem(NEXT);
            if (next && next !== location.hash) location.hash = next;
            else render();
          } catch (error) {
            password.value = "";
            showError(box, error, form);
          }
        });
      },
    },
    h("h1", {}, "Admin console"),
    notice ? h("p", { class: "notice", role: "status" }, notice) : null,
    box,
    field("E-mail", email),
    field("Password", password),
    submit,
  );
  document.title = "Sign in · Admin console";
  show(root, h("main", { class: "centered" }, form));
}

function shell(user, current) {
  const nav = h(
    "nav",
    { "aria-label": "Screens" },
    h("ul", {}, SCREENS.map(([name, title]) =>
      h("li", {}, h("a", { href: `#/${name}`, "aria-current": name === current ? "page" : false }, title)),
    )),
  );
  const out = h("button", { type: "button", class: "link", id: "sign-out", onclick: async () => { await signOut(); render(); } }, "Sign out");
  const view = h("main", { id: "view", tabindex: -1 });
  show(
    root,
    h("div", { class: "shell" },
      h("header", { class: "top" },
        h("a", { href: "#/home", class: "brand" }, "API Platform"),
        h("span", { class: "who" }, user.name || user.email, user.is_sys_admin ? " (admin)" : ""),
        h("a", { href: "/", class: "link" }, "Launchpad"),
        h("a", { href: "/docs", class: "link" }, "API docs"),
        out,
      ),
      nav,
      view,
    ),
  );
  return view;
}

/** A user who is not an admin: the console manages the instance, so it is for admins only. */
function adminsOnly(user) {
  const out = h("button", { type: "button", id: "sign-out", onclick: async () => { await signOut(); render(); } }, "Sign out");
  document.title = "Admins only · Admin console";
  show(
    root,
    h("main", { class: "centered" },
      h("section", { class: "card sign-in", role: "alert" },
        h("h1", {}, "Admins only"),
        h("p", {}, `${user.email || user.name} is signed in as a user, not an admin. The admin console manages this instance, so only admins can use it.`),
        h("p", {}, "Your apps are on the ", h("a", { href: "/" }, "launchpad"), "."),
        out)),
  );
}

let rendering = 0;

async function render() {
  const ticket = ++rendering; // a screen still loading from an earlier render stops at its check
  const user = currentUser();
  if (!user) return signInScreen();
  if (!user.is_sys_admin) return adminsOnly(user);
  const current = route();
  const known = SCREENS.find(([name]) => name === current.screen);
  const view = shell(user, current.screen);
  if (!known) {
    show(view, h("h1", {}, "Not found"), h("p", {}, "There is no such screen. Pick one on the left."));
    return;
  }
  document.title = `${known[1]} · Admin console`;
  let screen;
  try {
    screen = await import(`./screens/${current.screen}.js`);
  } catch {
    show(view, h("h1", {}, known[1]), h("p", {}, "This screen is not available in this version."));
    return;
  }
  if (ticket !== rendering) return; // the user moved on meanwhile
  try {
    await screen.render(view, current);
  } catch (error) {
    if (!("status" in error)) throw error;
    if (!currentUser()) return; // the session ended: the listener shows the sign-in
    const box = errorBox();
    show(view, h("h1", {}, known[1]), box);
    showError(box, error);
  }
}

window.addEventListener("df-signed-out", () => {
  rendering++;
  sessionStorage.setItem(NEXT, location.hash);
  signInScreen("Your session has ended. Sign in again to carry on where you were.");
});
window.addEventListener("hashchange", render);
render();
