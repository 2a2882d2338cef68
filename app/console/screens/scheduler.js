// Scheduler: tasks (system/scheduler) in both shapes at once, DreamFactory's
// (service, component, verb, frequency, payload, has_log) and ours (cron,
// role, or a script instead of a call), their next runs and their log
// (task_log). Tasks run from `flask scheduler run`, on the server.

import { api, listAll } from "../api.js";
import { link, navigate } from "../router.js";
import {
  busy, checkbox, confirmAction, empty, errorBox, field, formatDate, h, header, loading, select, show, showError,
  table, toast,
} from "../widgets.js";

const PAGE = 25;
const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

export async function render(view, route) {
  const [first] = route.rest;
  if (!first) return list(view, Number(route.query.get("offset") || 0));
  return editor(view, first === "new" ? null : Number(first));
}

async function list(view, offset) {
  show(view, header("Scheduler"), loading());
  const [page, roles] = await Promise.all([
    api.get("system/scheduler", { include_count: true, limit: PAGE, offset, related: "task_log_by_task_id", order: "name" }),
    roleNames(),
  ]);
  const tasks = page.resource || [];
  const count = page.meta?.count ?? tasks.length;
  const create = h("a", { href: "#/scheduler/new", class: "button primary", id: "create-task" }, "Create task");
  show(
    view,
    header("Scheduler", create),
    h("p", { class: "hint" }, "Tasks are API calls or scripts run on a schedule by ", h("code", {}, "flask scheduler run"),
      " (see the README). Next runs are reckoned in UTC, the scheduler's default time zone."),
    tasks.length === 0 && offset === 0
      ? empty("No scheduled tasks yet. Create one to call an endpoint (or run a script) every few minutes.", create.cloneNode(true))
      : [
          table(
            [
              { label: "Name", value: (t) => link(t.name, "scheduler", t.id) },
              { label: "Schedule", value: (t) => scheduleText(t) },
              { label: "Does", value: (t) => (t.script_type ? `${t.script_type} script` : `${t.verb} ${t.service}${t.component ? `/${t.component}` : ""}`) },
              { label: "Runs as", value: (t) => (t.role_id ? roles.get(t.role_id) || `role ${t.role_id}` : "its admin") },
              { label: "Active", value: (t) => h("span", { class: t.is_active ? "pill" : "pill off" }, t.is_active ? "active" : "inactive") },
              { label: "Next run", value: (t) => (t.is_active ? formatDate(nextRuns(t, 1)[0]) : "") },
              { label: "Last run", value: (t) => lastRun(t.task_log_by_task_id) },
            ],
            tasks,
            { onOpen: (t) => navigate("scheduler", t.id) },
          ),
          pager(offset, count),
        ],
  );
}

function pager(offset, count) {
  if (count <= PAGE) return null;
  const to = (o) => h("a", { class: "button", href: `#/scheduler?offset=${o}` }, o < offset ? "Previous" : "Next");
  return h("nav", { class: "form-actions", "aria-label": "Pages" },
    offset > 0 ? to(Math.max(0, offset - PAGE)) : null,
    h("span", {}, `${offset + 1}–${Math.min(offset + PAGE, count)} of ${count}`),
    offset + PAGE < count ? to(offset + PAGE) : null);
}

async function roleNames() {
  const roles = await listAll("system/role", { fields: "id,name" });
  return new Map(roles.map((r) => [r.id, r.name]));
}

function scheduleText(task) {
  if (task.frequency && (!task.cron || task.cron === `*/${task.frequency} * * * *`)) return `every ${task.frequency} min`;
  return h("code", {}, task.cron || "");
}

function lastRun(run) {
  if (!run) return h("span", { class: "hint" }, "not yet");
  const bad = !run.status_code || run.status_code >= 400;
  return h("span", {}, h("span", { class: bad ? "pill bad" : "pill" }, String(run.status_code ?? run.status ?? "")), " ", formatDate(run.created_date));
}

// -- next runs (UTC) ----------------------------------------------------------------------

/** The next `count` times the task runs: by its cron, else every `frequency` minutes since the epoch. */
export function nextRuns(task, count = 3, from = Date.now()) {
  const minute = 60000;
  const out = [];
  if (!task.cron) {
    const every = (task.frequency || 5) * minute;
    for (let t = Math.floor(from / every) * every + every; out.length < count; t += every) out.push(new Date(t));
    return out;
  }
  const match = cronMatcher(task.cron);
  if (!match) return out;
  const limit = from + 366 * 24 * 60 * minute;
  for (let t = Math.floor(from / minute) * minute + minute; t < limit && out.length < count; t += minute) {
    if (match(new Date(t))) out.push(new Date(t));
  }
  return out;
}

function cronMatcher(cron) {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const ranges = [[0, 59], [0, 23], [1, 31], [1, 12], [0, 7]];
  const sets = fields.map((f, i) => values(f, ...ranges[i]));
  if (sets.some((s) => s === null)) return null;
  if (sets[4].has(7)) sets[4].add(0);
  const [minutes, hours, days, months, weekdays] = sets;
  const anyDay = fields[2] === "*", anyWeekday = fields[4] === "*";
  return (d) => {
    if (!minutes.has(d.getUTCMinutes()) || !hours.has(d.getUTCHours()) || !months.has(d.getUTCMonth() + 1)) return false;
    const day = days.has(d.getUTCDate()), weekday = weekdays.has(d.getUTCDay());
    return anyDay || anyWeekday ? day && weekday : day || weekday;
  };
}

/** The numbers a cron field names ("*", "a-b", "*\/n", "a-b/n", lists), or null when unreadable. */
function values(text, low, high) {
  const out = new Set();
  for (const part of text.split(",")) {
    const found = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!found) return null;
    const from = found[1] === "*" ? low : Number(found[2]);
    const to = found[1] === "*" ? high : found[3] !== undefined ? Number(found[3]) : found[4] ? high : from;
    const step = Number(found[4] || 1);
    if (from < low || to > high || step < 1) return null;
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

// -- the editor ---------------------------------------------------------------------------

async function editor(view, id) {
  show(view, header(id ? "Task" : "Create task"), loading());
  const [task, services, roles, engines] = await Promise.all([
    id ? api.get(`system/scheduler/${id}`, { related: "task_log" }) : null,
    listAll("system/service", { fields: "id,name" }),
    roleNames(),
    api.get("system/script_type", { fields: "name,label" }),
  ]);
  const record = task || { name: "", is_active: true, cron: "", frequency: 5, verb: "GET", service: "", component: "", payload: null, role_id: null };
  const box = errorBox();
  const name = h("input", { name: "name", value: record.name, required: true, autocomplete: "off" });
  const description = h("input", { name: "description", value: record.description || "" });
  const active = checkbox("Active", "is_active", record.is_active);
  const cron = h("input", { name: "cron", value: record.cron || "", placeholder: "*/5 * * * *", autocomplete: "off" });
  const frequency = h("input", { name: "frequency", type: "number", min: 1, value: record.cron ? "" : record.frequency ?? "" });
  const kind = select("kind", [["service", "Call an endpoint"], ["script", "Run a script"]], record.script_type ? "script" : "service");
  const service = select("service", [["", "—"], ...services.map((s) => [s.name, s.name])], record.service);
  const verb = select("verb", VERBS.map((v) => [v, v]), record.verb || "GET");
  const component = h("input", { name: "component", value: record.component || "", placeholder: "_table/todo", autocomplete: "off" });
  const payload = h("textarea", { name: "payload", rows: 4, class: "code", spellcheck: false });
  payload.value = record.payload === null || record.payload === undefined ? "" : typeof record.payload === "string" ? record.payload : JSON.stringify(record.payload, null, 2);
  const scriptType = select("script_type", (engines.resource || []).map((e) => [e.name, e.label || e.name]), record.script_type);
  const script = h("textarea", { name: "script", rows: 10 });
  script.value = record.script || "";
  const role = select("role_id", [["", "None: runs as you, with admin rights"], ...[...roles].map(([rid, rname]) => [rid, rname])], record.role_id);
  const callPart = h("div", {}, field("Service", service), field("Verb", verb), field("Component", component, "The path after the service, e.g. _table/todo."), field("Payload (JSON)", payload));
  const scriptPart = h("div", {}, field("Script type", scriptType), field("Script", script));
  const showKind = () => {
    callPart.hidden = kind.value !== "service";
    scriptPart.hidden = kind.value !== "script";
  };
  kind.addEventListener("change", showKind);
  showKind();
  const save = h("button", { type: "submit", class: "primary", id: "save-task" }, id ? "Save" : "Create");
  const readOnly = record.source === "file";
  const form = h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(save, submit); } },
    box,
    readOnly ? h("p", { class: "notice" }, "This task comes from the schedule file (DF_SCHEDULE_FILE): change it there.") : null,
    field("Name", name),
    field("Description", description),
    active,
    field("Cron", cron, "Five fields: minute hour day month weekday. Or leave empty and give a frequency."),
    field("Frequency (minutes)", frequency, "DreamFactory's schedule: every so many minutes (5 when neither is given)."),
    field("What it does", kind),
    callPart,
    scriptPart,
    field("Role", role, "The role the task runs with (its access rows need the script requestor)."),
    h("div", { class: "form-actions" },
      readOnly ? null : save,
      id && !readOnly ? h("button", { type: "button", class: "danger", id: "delete-task", onclick: remove }, "Delete") : null),
  );

  function body() {
    const out = {
      name: name.value.trim(),
      description: description.value,
      is_active: active.querySelector("input").checked,
      cron: cron.value.trim() || null,
      frequency: cron.value.trim() || frequency.value === "" ? null : Number(frequency.value),
      role_id: role.value ? Number(role.value) : null,
    };
    if (kind.value === "script") {
      Object.assign(out, { service: null, component: null, payload: null, script_type: scriptType.value, script: script.value });
    } else {
      Object.assign(out, { script_type: null, script: null, service: service.value || null, verb: verb.value, component: component.value.trim(), payload: parsed(payload.value) });
    }
    return out;
  }

  async function submit() {
    try {
      if (id) {
        await api.patch(`system/scheduler/${id}`, body());
        toast(`Saved ${name.value}.`);
        editor(view, id);
      } else {
        const created = await api.post("system/scheduler", { resource: [body()] });
        toast(`Created ${name.value}.`);
        navigate("scheduler", created.resource[0].id);
      }
    } catch (error) {
      showError(box, error, form);
    }
  }

  async function remove() {
    if (!(await confirmAction(`Delete the task "${record.name}" and its log?`))) return;
    try {
      await api.delete(`system/scheduler/${id}`);
      toast(`Deleted ${record.name}.`);
      navigate("scheduler");
    } catch (error) {
      showError(box, error);
    }
  }

  show(
    view,
    header(id ? record.name : "Create task", h("a", { href: "#/scheduler" }, "All tasks")),
    form,
    id ? taskInfo(record) : null,
  );
  const { enhance } = await import("../codeedit.js");
  const code = enhance(script, scriptType.value);
  scriptType.addEventListener("change", () => code.setLanguage(scriptType.value));
}

/** Payload text as JSON when it is JSON, else as it is (for the server to judge). */
function parsed(text) {
  if (!text.trim()) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function taskInfo(task) {
  const runs = [...(task.task_log || [])].sort((a, b) => b.id - a.id);
  const next = task.is_active ? nextRuns(task, 3) : [];
  return h(
    "section",
    { class: "task-log" },
    h("h2", {}, "Next runs"),
    next.length ? h("ul", { id: "next-runs" }, next.map((d) => h("li", {}, formatDate(d)))) : h("p", { class: "hint" }, task.is_active ? "None within a year." : "The task is inactive."),
    h("h2", {}, "Log"),
    runs.length === 0
      ? empty("No run yet. The scheduler (flask scheduler run) starts the task when it is due; its answer shows here.")
      : table(
          [
            { label: "When", value: (r) => formatDate(r.created_date) },
            { label: "Status", value: (r) => h("span", { class: r.status_code && r.status_code < 400 ? "pill" : "pill bad" }, String(r.status_code ?? r.status)) },
            { label: "Answer", value: (r) => h("pre", {}, r.content || "") },
          ],
          runs,
        ),
  );
}
