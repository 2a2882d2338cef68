// Routes are "#/<screen>/<rest...>?<query>"; one module per screen
// (screens/<name>.js, exporting `render(view, route)`).

import { h } from "./widgets.js";

/** Every screen of the console, in the navigation's order: [module name, title]. */
export const SCREENS = [
  ["home", "Home"],
  ["services", "Services"],
  ["schema", "Schema"],
  ["data", "Data"],
  ["roles", "Roles"],
  ["apps", "Apps"],
  ["users", "Users"],
  ["scripts", "Scripts"],
  ["scheduler", "Scheduler"],
  ["files", "Files"],
  ["settings", "Settings"],
  ["profile", "Profile"],
];

const start = document.querySelector('meta[name="df-start"]')?.content || "home";

/** The current route: {screen, rest: [...], query: URLSearchParams}. */
export function route() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const [screen, ...rest] = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { screen: screen || start, rest, query: new URLSearchParams(query) };
}

/** Go to a route: navigate("services", 12) → "#/services/12" (shown anew if it is the current one). */
export function navigate(...parts) {
  const target = `#/${parts.map((p) => encodeURIComponent(String(p))).join("/")}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = target;
}

export function link(text, ...parts) {
  return h("a", { href: `#/${parts.map((p) => encodeURIComponent(String(p))).join("/")}` }, text);
}
