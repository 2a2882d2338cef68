// Settings: limits, CORS, lookups, e-mail templates, config and system
// information with the caches, packages, and where the logs are. One tab each
// (#/settings/<tab>/...); the record tabs share settings/records.js.

import { link } from "../router.js";
import { empty, h, header, loading, show } from "../widgets.js";
import { cors } from "./settings/cors.js";
import { limits } from "./settings/limits.js";
import { lookups } from "./settings/lookups.js";
import { packagesTab } from "./settings/packages.js";
import { recordScreen } from "./settings/records.js";
import { systemTab } from "./settings/system.js";
import { templates } from "./settings/templates.js";

const RECORDS = { limits, cors, lookups, templates };

const TABS = [
  ["limits", "Limits"],
  ["cors", "CORS"],
  ["lookups", "Lookups"],
  ["templates", "E-mail templates"],
  ["system", "Config and system"],
  ["packages", "Packages"],
  ["logs", "Logs"],
];

export async function render(view, route) {
  const [tab = "limits", ...rest] = route.rest;
  const body = h("div", {}, loading());
  show(
    view,
    h("nav", { class: "tabs", "aria-label": "Settings" }, TABS.map(([name, title]) =>
      h("a", { href: `#/settings/${name}`, "aria-current": name === tab ? "page" : false }, title))),
    body,
  );
  if (RECORDS[tab]) return recordScreen(body, RECORDS[tab], rest, route.query);
  if (tab === "system") return systemTab(body);
  if (tab === "packages") return packagesTab(body);
  if (tab === "logs") return logsTab(body);
  show(body, empty("There is no such settings tab. Pick one above."));
}

/** The API has no log resource: say where the logs are instead. */
function logsTab(view) {
  show(
    view,
    header("Logs"),
    h("p", {}, "The API offers no log resource: the server writes its log to its own output (the terminal, or the systemd journal: ",
      h("code", {}, "journalctl -u dreamfactory-py"), ")."),
    h("p", {}, "Files kept under the storage path's logs folder are in the ", link("logs file service", "files", "logs"),
      ". Script errors are counted on ", link("Home", "home"), "; scheduled tasks keep a log of their runs on the ", link("Scheduler", "scheduler"), " screen."),
  );
}
