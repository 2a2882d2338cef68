// Shared widgets: the DOM builder, dialogs, messages, tables, forms.

/**
 * h("button", {class: "primary", onclick: save}, "Save"): an element with
 * attributes (on* props become listeners, `dataset` and `style` objects are
 * applied, false/null attributes are left out) and children (strings, nodes,
 * arrays, null skipped).
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2), value);
    } else if (key === "dataset") {
      Object.assign(element.dataset, value);
    } else if (key in element && !["list", "form", "type"].includes(key) && typeof value !== "string") {
      element[key] = value;
    } else {
      element.setAttribute(key, value === true ? "" : value);
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replace what `element` shows. */
export function show(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Ask before a destructive action; resolves true when confirmed. */
export function confirmAction(text, action = "Delete") {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = action;
  dialog.returnValue = "";
  dialog.showModal();
  document.getElementById("confirm-cancel").focus();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

/** A short message in the corner that goes away by itself. */
export function toast(text, kind = "ok") {
  const item = h("div", { class: `toast ${kind}` }, text);
  document.getElementById("toasts").append(item);
  setTimeout(() => item.remove(), kind === "error" ? 8000 : 3500);
}

/**
 * Show an error where it happened: the envelope's message in `box`, and each
 * field's messages from `context` under the input of that name in `form`.
 * Returns the error for chaining. Errors that are not ApiErrors are thrown on.
 */
export function showError(box, error, form = null) {
  if (!("status" in error)) throw error;
  form?.querySelectorAll(".field-error").forEach((node) => node.remove());
  form?.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  const unplaced = [];
  for (const [name, messages] of flatten(error.context)) {
    const input = form?.querySelector(`[name="${CSS.escape(name)}"]`);
    const text = Array.isArray(messages) ? messages.join(" ") : String(messages);
    if (input) {
      input.setAttribute("aria-invalid", "true");
      input.closest(".field")?.append(h("p", { class: "field-error" }, text));
    } else {
      unplaced.push(`${name}: ${text}`);
    }
  }
  if (box) {
    show(box, h("strong", {}, error.message), unplaced.length ? h("ul", {}, unplaced.map((t) => h("li", {}, t))) : null);
    box.hidden = false;
    box.setAttribute("role", "alert");
  }
  return error;
}

/** [dotted name, messages] of an error's context ({config: {database: [...]}} gives "config.database"). */
function flatten(context, prefix = "") {
  if (!context || typeof context !== "object" || Array.isArray(context)) return [];
  return Object.entries(context).flatMap(([key, value]) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? flatten(value, `${prefix}${key}.`)
      : [[`${prefix}${key}`, value]],
  );
}

export function errorBox() {
  return h("div", { class: "error-box", hidden: true });
}

/** The screen's title bar with its actions. */
export function header(title, ...actions) {
  return h("header", { class: "screen-header" }, h("h1", {}, title), h("div", { class: "actions" }, actions));
}

/** What to do when a list is empty. */
export function empty(text, action = null) {
  return h("div", { class: "empty" }, h("p", {}, text), action);
}

export function loading(text = "Loading…") {
  return h("p", { class: "loading", role: "status" }, text);
}

/**
 * A table of `rows`: `columns` are [{label, value: row => node|text}], and
 * `onOpen(row)` makes each row a link (Enter opens it from the keyboard too).
 */
export function table(columns, rows, { onOpen } = {}) {
  return h(
    "table",
    { class: "grid" },
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          onOpen
            ? {
                class: "link",
                tabindex: 0,
                onclick: (event) => event.target.closest("a,button,input") || onOpen(row),
                onkeydown: (event) => event.key === "Enter" && onOpen(row),
              }
            : {},
          columns.map((c) => h("td", {}, c.value(row))),
        ),
      ),
    ),
  );
}

let fieldCount = 0;

/** A labelled form field around `input` (given an id when it has none), with a hint. */
export function field(label, input, hint = null) {
  if (!input.id) input.id = `f${++fieldCount}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: input.id }, label),
    input,
    hint ? h("p", { class: "hint" }, hint) : null,
  );
}

/** A labelled checkbox. */
export function checkbox(label, name, checked, hint = null) {
  const input = h("input", { type: "checkbox", name, id: `f${++fieldCount}`, checked: !!checked });
  return h(
    "div",
    { class: "field check" },
    input,
    h("label", { for: input.id }, label),
    hint ? h("p", { class: "hint" }, hint) : null,
  );
}

/** A <select> of [value, label] pairs. */
export function select(name, options, selected) {
  return h(
    "select",
    { name },
    options.map(([value, label]) =>
      h("option", { value, selected: String(value) === String(selected ?? "") }, label),
    ),
  );
}

/** A progress bar for long actions; `set(fraction)` moves it. */
export function progress(label) {
  const bar = h("progress", { max: 1, value: 0, "aria-label": label });
  return { element: h("div", { class: "progress" }, h("span", {}, label), bar), set: (f) => (bar.value = f) };
}

/** Run `action` with `button` disabled and marked busy (no double submits). */
export async function busy(button, action) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await action();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

// -- Roles, apps, users (screens 5-7) -----------------------------------------------

/** A card form that runs `submit` on submit with `button` busy (no double submits). */
export function submitForm(button, submit, ...children) {
  return h(
    "form",
    { class: "card", novalidate: true, onsubmit: (event) => { event.preventDefault(); busy(button, submit); } },
    children,
  );
}

/** Name, description and active inputs of a record: {name, description, active, fields, value()}. */
export function basicFields(record) {
  const name = h("input", { name: "name", value: record.name || "", required: true, autocomplete: "off" });
  const description = h("input", { name: "description", value: record.description || "" });
  const active = checkbox("Active", "is_active", record.is_active);
  return {
    fields: [field("Name", name), field("Description", description), active],
    value: () => ({
      name: name.value.trim(),
      description: description.value,
      is_active: active.querySelector("input").checked,
    }),
  };
}

// Files, Settings, Profile: forms that run one action, and downloads made from a fetched body.

/**
 * A form whose submit runs `action(form)` with `button` busy; an error it throws
 * (an ApiError, or a refusal made in the browser with the same shape) is shown in
 * `box`, with field messages under their inputs.
 */
export function actionForm(props, button, box, action, ...children) {
  const form = h(
    "form",
    {
      ...props,
      onsubmit: (event) => {
        event.preventDefault();
        busy(button, async () => {
          try {
            await action(form);
            box.hidden = true;
          } catch (error) {
            showError(box, error, form);
          }
        });
      },
    },
    ...children,
  );
  return form;
}

/** Hand `blob` to the browser as a file named `name` (fetched with the session, so no URL carries the token). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const anchor = h("a", { href: url, download: name, hidden: true });
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Previous/next links of a list paged on the server; `href(offset)` is a page's route. Null for one page. */
export function pager(offset, count, size, href) {
  if (count <= size && offset === 0) return null;
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    offset > 0 ? h("a", { href: href(Math.max(0, offset - size)) }, "Previous") : null,
    h("span", {}, `${Math.min(offset + 1, count)}–${Math.min(offset + size, count)} of ${count}`),
    offset + size < count ? h("a", { href: href(offset + size) }, "Next") : null,
  );
}
