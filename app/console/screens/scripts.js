// Scripts: the events of each service (system/event, DreamFactory's map), the
// event scripts (system/event_script) with their editor, and "Run": a test
// call of the endpoint through system/test_call, showing the answer and the
// log lines of the scripts it ran. Scripted services keep their code in their
// config; they are edited on the Services screen with the same editor.

import { api, listAll } from "../api.js";
import { configForm } from "../configform.js";
import { link, navigate } from "../router.js";
import {
  busy, checkbox, confirmAction, empty, errorBox, field, h, header, loading, select, show, showError, table, toast,
} from "../widgets.js";

const STAGES = ["pre_process", "post_process", "queued"];
const QUEUE_OPTIONS = ["queue", "connection", "delay", "tries", "timeout", "backoff"];
const BODY_VERBS = ["POST", "PUT", "PATCH"];

export async function render(view, route) {
  const [first, second] = route.rest;
  if (first === "service" && second) return events(view, second);
  if (first === "edit" && second) return editor(view, second);
  return overview(view);
}

// -- the overview: scripts, services, scripted services -----------------------------------

async function overview(view) {
  show(view, header("Scripts"), loading());
  const [services, scripts, types, all] = await Promise.all([
    api.get("system/event", { services_only: true }),
    listAll("system/event_script", { fields: "name,type,is_active" }),
    api.get("system/service_type", { group: "Script", fields: "name" }),
    listAll("system/service", { fields: "id,name,label,type" }),
  ]);
  const scriptTypes = new Set((types.resource || []).map((t) => t.name));
  const scripted = all.filter((s) => scriptTypes.has(s.type));
  const counts = new Map();
  for (const script of scripts) {
    const service = script.name.split(".")[0];
    counts.set(service, (counts.get(service) || 0) + 1);
  }
  show(
    view,
    header("Scripts"),
    h("h2", {}, "Event scripts"),
    scripts.length === 0
      ? empty("No event scripts yet. Pick a service below, then the event to script (e.g. db's _table.todo.post.pre_process to check new records).")
      : table(
          [
            { label: "Event", value: (s) => link(s.name, "scripts", "edit", s.name) },
            { label: "Type", value: (s) => s.type },
            { label: "Active", value: (s) => h("span", { class: s.is_active ? "pill" : "pill off" }, s.is_active ? "active" : "inactive") },
          ],
          scripts,
          { onOpen: (s) => navigate("scripts", "edit", s.name) },
        ),
    h("h2", {}, "Events by service"),
    h("ul", { class: "service-events" }, (services.resource || []).map((name) =>
      h("li", {}, link(name, "scripts", "service", name), counts.get(name) ? h("span", { class: "pill" }, `${counts.get(name)} script${counts.get(name) === 1 ? "" : "s"}`) : null))),
    h("h2", {}, "Scripted services"),
    scripted.length === 0
      ? empty("No scripted services. A scripted service is an API written as one script.", h("a", { class: "button", href: "#/services/new" }, "Create one on Services"))
      : table(
          [
            { label: "Service", value: (s) => link(s.name, "services", s.id) },
            { label: "Label", value: (s) => s.label || "" },
            { label: "Type", value: (s) => s.type },
          ],
          scripted,
          { onOpen: (s) => navigate("services", s.id) },
        ),
  );
}

// -- one service's events -----------------------------------------------------------------

async function events(view, service) {
  show(view, header(`Events of ${service}`), loading());
  const [map, scripts] = await Promise.all([
    api.get("system/event", { service, scriptable: true }),
    listAll("system/event_script", { fields: "name", filter: `name like '${service}.%'` }),
  ]);
  const existing = new Set(scripts.map((s) => s.name));
  const paths = Object.entries(map[service] || {});
  const filter = h("input", { type: "search", name: "filter", placeholder: "e.g. todo", autocomplete: "off" });
  const list = h("div", { class: "event-paths" });
  const draw = () => {
    const wanted = filter.value.trim().toLowerCase();
    show(list, paths
      .filter(([path, item]) => !wanted || path.toLowerCase().includes(wanted) || Object.values(item.parameter || {}).flat().some((v) => String(v).toLowerCase().includes(wanted)))
      .map(([path, item]) => eventPath(path, item, existing, wanted)));
  };
  filter.addEventListener("input", draw);
  draw();
  show(
    view,
    header(`Events of ${service}`, h("a", { href: "#/scripts" }, "All scripts")),
    paths.length === 0 ? empty(`${service} fires no events that scripts can use.`) : [field("Filter paths", filter), list],
  );
}

/** A path of the event map: its placeholders picked from their values, and its events as links. */
function eventPath(path, item, existing, wanted) {
  const pickers = Object.entries(item.parameter || {}).map(([name, values]) => {
    const choice = select(`param-${name}`, [[`{${name}}`, `every ${name}`], ...values.map((v) => [v, v])],
      values.find((v) => wanted && String(v).toLowerCase() === wanted) ?? `{${name}}`);
    choice.dataset.placeholder = `{${name}}`;
    return field(name, choice);
  });
  const endpoints = h("div", {});
  const draw = () => {
    let names = item.endpoints;
    for (const picker of pickers) {
      const choice = picker.querySelector("select");
      names = names.map((n) => n.replace(choice.dataset.placeholder, choice.value));
    }
    show(endpoints, eventTable(names, existing));
  };
  pickers.forEach((p) => p.querySelector("select").addEventListener("change", draw));
  draw();
  return h("section", { class: "card event-path", dataset: { path } }, h("h3", {}, path), pickers, endpoints);
}

/** The events of one path: a row per verb, a link per stage (bold when a script exists). */
function eventTable(names, existing) {
  const rows = new Map();
  for (const name of names) {
    const stage = STAGES.find((s) => name.endsWith(`.${s}`));
    const base = stage ? name.slice(0, -stage.length - 1) : name;
    if (!rows.has(base)) rows.set(base, {});
    rows.get(base)[stage || "final"] = name;
  }
  const cell = (name, label) => name
    ? h("a", { href: `#/scripts/edit/${encodeURIComponent(name)}`, class: existing.has(name) ? "scripted" : null, title: name },
        existing.has(name) ? `${label} ✓` : label)
    : "";
  return table(
    [
      { label: "Verb", value: ([base]) => base.split(".").pop().toUpperCase() },
      { label: "Before", value: ([, s]) => cell(s.pre_process, "pre_process") },
      { label: "After", value: ([, s]) => cell(s.post_process, "post_process") },
      { label: "Queued", value: ([, s]) => cell(s.queued, "queued") },
      { label: "Final", value: ([, s]) => cell(s.final, "final") },
    ],
    [...rows],
  );
}

// -- the editor ---------------------------------------------------------------------------

async function editor(view, name) {
  show(view, header(name), loading());
  const queued = name.endsWith(".queued");
  const [script, types, queueEntries] = await Promise.all([
    // a filter, not GET .../{name}: an event without a script is no error (nor a 404 in the browser's log)
    api.get("system/event_script", { filter: `name='${name.replaceAll("'", "''")}'` }).then((found) => found.resource?.[0] || null),
    api.get("system/script_type"),
    queued ? queueOptionEntries() : [],
  ]);
  const engines = types.resource || [];
  const record = script || { name, type: engines[0]?.name || "python", content: "", is_active: true, allow_event_modification: false, config: {} };
  const box = errorBox();
  const type = select("type", engines.map((t) => [t.name, t.label || t.name]), record.type);
  const content = h("textarea", { name: "content", rows: 18 });
  content.value = record.content || "";
  const active = checkbox("Active", "is_active", record.is_active);
  const modify = checkbox("Allow event modification", "allow_event_modification", record.allow_event_modification,
    "Let the script change the request (pre_process) or the response (post_process); otherwise its changes are dropped.");
  const options = queued ? configForm(queueEntries, record.config || {}) : null;
  const save = h("button", { type: "submit", class: "primary", id: "save-script" }, script ? "Save" : "Create");
  const hint = h("p", { class: "hint" }, "Python, Node.js, PHP or V8js; the event is in ", h("code", {}, "event"), ", the API in ", h("code", {}, "platform.api"), ".");
  const form = h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(save, submit); } },
    box,
    engines.length === 0 ? h("p", { class: "notice" }, "No script engine is available on this instance: see system/script_type and the README's scripting section.") : null,
    field("Type", type),
    active,
    queued ? null : modify,
    field("Script", content, hint),
    queued ? h("fieldset", { class: "field" }, h("legend", {}, "Queue options"), options.element) : null,
    h("div", { class: "form-actions" },
      save,
      script ? h("button", { type: "button", class: "danger", id: "delete-script", onclick: remove }, "Delete") : null),
  );

  async function submit() {
    const body = {
      name,
      type: type.value,
      content: content.value,
      is_active: active.querySelector("input").checked,
      allow_event_modification: modify.querySelector("input").checked,
    };
    if (options) body.config = Object.fromEntries(Object.entries(options.value()).filter(([, v]) => v !== null));
    try {
      await api.post(`system/event_script/${encodeURIComponent(name)}`, body);
      toast(`Saved ${name}.`);
      if (!script) editor(view, name);
      else box.hidden = true;
    } catch (error) {
      showError(box, error, form);
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete the script on ${name}? The event runs without it from now on.`))) return;
    try {
      await api.delete(`system/event_script/${encodeURIComponent(name)}`);
      toast(`Deleted ${name}.`);
      navigate("scripts");
    } catch (error) {
      showError(box, error);
    }
  }

  const service = name.split(".")[0];
  show(
    view,
    header(name, link(`Events of ${service}`, "scripts", "service", service), h("a", { href: "#/scripts" }, "All scripts")),
    form,
    runner(name),
  );
  const { enhance, KEYS_HINT } = await import("../codeedit.js");
  const code = enhance(content, type.value);
  hint.append(` ${KEYS_HINT}`);
  type.addEventListener("change", () => code.setLanguage(type.value));
}

/** The queue options' fields, as the scripted service types describe them (system/service_type). */
async function queueOptionEntries() {
  const types = await api.get("system/service_type", { group: "Script" });
  const schema = types.resource?.[0]?.config_schema || [];
  return QUEUE_OPTIONS.map((n) => schema.find((e) => e.name === n) || { name: n, label: n, type: "string" });
}

/** The endpoint an event name belongs to: db._table.todo.post.pre_process → POST db/_table/todo. */
function endpointOf(name) {
  const parts = name.split(".");
  if (STAGES.includes(parts.at(-1))) parts.pop();
  const verb = (parts.pop() || "get").toUpperCase();
  return { verb, path: parts.join("/") };
}

// -- run: a test call ---------------------------------------------------------------------

function runner(name) {
  const { verb, path } = endpointOf(name);
  const box = errorBox();
  const verbs = select("verb", ["GET", "POST", "PUT", "PATCH", "DELETE"].map((v) => [v, v]), verb);
  const target = h("input", { name: "path", value: path, autocomplete: "off" });
  const body = h("textarea", { name: "body", rows: 6, class: "code", spellcheck: false });
  body.value = BODY_VERBS.includes(verb) ? '{\n  "resource": [\n    {}\n  ]\n}' : "";
  const run = h("button", { type: "submit", class: "primary", id: "run-script" }, "Run");
  const result = h("div", { class: "run-result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card run", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(run, submit); } },
    h("h2", {}, "Run"),
    h("p", { class: "hint" }, "Make this call as yourself and see the answer and what the scripts logged. It is a real call: what it writes is written."),
    box,
    h("div", { class: "run-target" }, field("Verb", verbs), field("Path", target, "After /api/v2/, with a query if you like: db/_table/todo?limit=5")),
    field("Body (JSON)", body),
    h("div", { class: "form-actions" }, run),
    result,
  );

  async function submit() {
    let payload;
    try {
      payload = body.value.trim() ? JSON.parse(body.value) : undefined;
    } catch (error) {
      showError(box, { status: 400, message: "The body is not valid JSON.", context: { body: [error.message] } }, form);
      return;
    }
    try {
      const answer = await api.post("system/test_call", { verb: verbs.value, path: target.value, body: payload });
      box.hidden = true;
      form.querySelectorAll(".field-error").forEach((n) => n.remove());
      show(result, answerView(answer));
    } catch (error) {
      showError(box, error, form);
    }
  }
  return form;
}

function answerView(answer) {
  const ok = answer.status_code < 400;
  const content = answer.content === null || answer.content === undefined
    ? (answer.content_type ? `(${answer.content_type} body not shown)` : "(no body)")
    : typeof answer.content === "string" ? answer.content : JSON.stringify(answer.content, null, 2);
  return [
    h("h3", {}, "Answer ", h("span", { class: ok ? "pill" : "pill bad", id: "run-status" }, String(answer.status_code))),
    h("pre", { class: "output", id: "run-content" }, content),
    h("h3", {}, "Script log"),
    answer.log.length === 0
      ? h("p", { class: "hint", id: "run-log" }, "No script printed anything or failed on this call.")
      : h("ol", { class: "script-log", id: "run-log" }, answer.log.map((line) =>
          h("li", { class: line.level }, h("span", { class: "pill" }, line.level), " ", h("code", {}, line.script), " ", line.message))),
  ];
}
