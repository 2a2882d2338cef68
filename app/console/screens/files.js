// Files: browse the folders of any file service (group File), upload (file
// picker or drag and drop, with progress, zips unpacked on request), create
// folders, download, delete, and make folders public (the service's
// `public_path` config). This is also what /file_manager/ opens.

import { ApiError, api, request } from "../api.js";
import { link, navigate } from "../router.js";
import {
  actionForm, busy, checkbox, confirmAction, empty, errorBox, field, formatDate, h, header, loading, pager, progress,
  saveBlob, show, showError, table, toast,
} from "../widgets.js";

/** A path of the service as its API URL: every segment encoded, folders ending in "/". */
function apiPath(service, segments, folder = true) {
  const encoded = [service, ...segments].map(encodeURIComponent).join("/");
  return folder ? `${encoded}/` : encoded;
}

/** Entries per page of a folder (the service pages: limit, offset, include_count). */
const PAGE = 100;

export async function render(view, route) {
  const [service, ...segments] = route.rest;
  if (!service) return pickService(view);
  return folderView(view, service, segments, Number(route.query.get("offset")) || 0);
}

async function fileServices() {
  const [types, services] = await Promise.all([
    api.get("system/service_type", { fields: "name,label,group" }),
    api.get("system/service", { fields: "id,name,label,type,is_active", order: "name" }),
  ]);
  const fileTypes = new Map((types.resource || []).filter((t) => t.group === "File").map((t) => [t.name, t.label]));
  return (services.resource || [])
    .filter((s) => fileTypes.has(s.type))
    .map((s) => ({ ...s, typeLabel: fileTypes.get(s.type) }));
}

async function pickService(view) {
  show(view, header("Files"), loading());
  let services;
  try {
    services = await fileServices();
  } catch (error) {
    if (error.status !== 403) throw error;
    return askService(view); // a role that may not list services may still reach a file service
  }
  show(
    view,
    header("Files"),
    services.length === 0
      ? empty("No file service yet. Create one (Local File Storage) to keep files and host apps.", link("Create a file service", "services", "new"))
      : [
          h("p", {}, "Pick a file service to browse its folders."),
          table(
            [
              { label: "Service", value: (s) => link(s.name, "files", s.name) },
              { label: "Label", value: (s) => s.label || "" },
              { label: "Type", value: (s) => s.typeLabel },
              { label: "Active", value: (s) => h("span", { class: s.is_active ? "pill" : "pill off" }, s.is_active ? "active" : "inactive") },
            ],
            services,
            { onOpen: (s) => navigate("files", s.name) },
          ),
        ],
  );
}

function askService(view) {
  const name = h("input", { name: "service", required: true, autocomplete: "off" });
  const open = h("button", { type: "submit", class: "primary" }, "Open");
  show(
    view,
    header("Files"),
    h("form", { class: "card inline-form", onsubmit: (event) => { event.preventDefault(); if (name.value.trim()) navigate("files", name.value.trim()); } },
      field("File service", name, "Your role may not list the services: type the name of the file service to open."),
      open),
  );
}

function breadcrumbs(service, segments) {
  const items = [h("li", {}, link("Files", "files")), h("li", {}, segments.length ? link(service, "files", service) : h("span", { "aria-current": "page" }, service))];
  segments.forEach((name, index) => {
    const last = index === segments.length - 1;
    items.push(h("li", {}, last ? h("span", { "aria-current": "page" }, name) : link(name, "files", service, ...segments.slice(0, index + 1))));
  });
  return h("nav", { class: "breadcrumbs", "aria-label": "Folder" }, h("ol", {}, items));
}

/** The public folders of a service's config, without their slashes ("" is the whole container). */
function publicFolders(record) {
  return (record?.config?.public_path || []).map((p) => String(p).replace(/^\/+|\/+$/g, ""));
}

function isPublic(folders, path) {
  return folders.some((p) => p === "" || path === p || path.startsWith(`${p}/`));
}

async function folderView(view, service, segments, offset) {
  show(view, breadcrumbs(service, segments), loading());
  const box = errorBox();
  const here = segments.join("/");
  const top = h("div", {});
  const contents = h("div", {}, loading());
  const state = { record: null, publicNow: [] };

  /** The listing and the public state again; the upload and folder tools stay as they are. */
  async function refresh() {
    const [listing, found] = await Promise.all([
      api.get(apiPath(service, segments), { limit: PAGE, offset, include_count: true }),
      // Only admins read service configs; others browse without the public folder switches.
      api.get("system/service", { filter: `name='${service.replace(/'/g, "''")}'`, fields: "id,name,type,config" })
        .catch((error) => { if (error.status === 403) return { resource: [] }; throw error; }),
    ]);
    state.record = found.resource?.[0] || null;
    state.publicNow = state.record ? publicFolders(state.record) : [];
    const entries = listing.resource || [];
    const count = listing.meta?.count ?? entries.length;
    show(top, header(here ? `${service}/${here}` : service, publicToggle()), publicNotice(service, here, state.publicNow));
    show(
      contents,
      entries.length === 0 && offset === 0
        ? empty("This folder is empty. Upload files (or drop them in the box above), or create a folder.")
        : [pager(offset, count, PAGE, (o) => `#/${["files", service, ...segments].map(encodeURIComponent).join("/")}?offset=${o}`), table(
            [
              { label: "Name", value: (e) => (e.type === "folder" ? link(`${e.name}/`, "files", service, ...segments, e.name) : e.name) },
              { label: "Size", value: (e) => (e.type === "file" ? size(e.content_length) : "") },
              { label: "Type", value: (e) => (e.type === "folder" ? "folder" : e.content_type || "") },
              { label: "Modified", value: (e) => formatDate(e.last_modified) },
              state.record && {
                label: "Public",
                value: (e) => (isPublic(state.publicNow, e.path.replace(/\/$/, "")) ? h("span", { class: "pill" }, "public") : ""),
              },
              { label: "Actions", value: (e) => actions(service, segments, e, state, box, again) },
            ].filter(Boolean),
            entries,
          )],
    );
  }

  /** refresh() after an action: a failure shows in the box rather than escaping. */
  const again = () => refresh().catch((error) => showError(box, error));

  function publicToggle() {
    if (!state.record || !here) return null;
    const on = state.publicNow.includes(here);
    return h("button", {
      type: "button",
      id: "toggle-public",
      onclick: (e) => busy(e.currentTarget, () => setPublic(state.record, here, !on, box).then((ok) => ok && again())),
    }, on ? "Make private" : "Make public");
  }

  const uploads = h("div", { class: "uploads", "aria-live": "polite" });
  const extract = checkbox("Unpack zip files here", "extract", false, "A .zip is extracted into this folder instead of stored as it is.");
  const picker = h("input", { type: "file", multiple: true, name: "files", id: "upload-files" });
  const send = (files) => upload(service, segments, [...files], extract.querySelector("input").checked, uploads, box).then(again);
  picker.addEventListener("change", () => picker.files.length && send(picker.files).then(() => (picker.value = "")));
  const drop = h(
    "div",
    {
      class: "dropzone",
      id: "dropzone",
      ondragover: (event) => { event.preventDefault(); drop.classList.add("over"); },
      ondragleave: () => drop.classList.remove("over"),
      ondrop: (event) => {
        event.preventDefault();
        drop.classList.remove("over");
        if (event.dataTransfer?.files?.length) send(event.dataTransfer.files);
      },
    },
    field("Upload files", picker, "Or drop files anywhere in this box."),
    extract,
    uploads,
  );

  const folderName = h("input", { name: "name", required: true, autocomplete: "off", id: "folder-name" });
  const create = h("button", { type: "submit", id: "create-folder" }, "Create folder");
  const folderForm = actionForm(
    { class: "inline-form" },
    create,
    box,
    async () => {
      const name = folderName.value.trim();
      if (!name) throw new ApiError(400, { message: "Name the new folder.", context: { name: ["A folder needs a name."] } });
      await api.post(apiPath(service, [...segments, name]));
      toast(`Created ${name}.`);
      folderName.value = "";
      await again();
    },
    field("New folder", folderName),
    create,
  );

  await refresh();
  show(view, breadcrumbs(service, segments), top, box, h("div", { class: "file-tools" }, drop, h("div", { class: "card" }, folderForm)), contents);
}

function publicNotice(service, here, folders) {
  if (!isPublic(folders, here)) return null;
  return h("p", { class: "notice" }, "Files here are served without credentials at ", h("code", {}, `/${service}/${here ? `${here}/` : ""}<file>`), ".");
}

function actions(service, segments, entry, { record, publicNow: folders }, box, reload) {
  const path = entry.path.replace(/\/$/, "");
  const buttons = [];
  if (entry.type === "file") {
    buttons.push(h("button", { type: "button", class: "small", "aria-label": `Download ${entry.name}`, dataset: { action: "download", name: entry.name },
      onclick: (e) => busy(e.currentTarget, () => download(service, [...segments, entry.name], entry.name, box)) }, "Download"));
  } else if (record) {
    const on = folders.includes(path);
    buttons.push(h("button", { type: "button", class: "small", "aria-label": `${on ? "Make private" : "Make public"} ${entry.name}`, dataset: { action: "public", name: entry.name },
      onclick: (e) => busy(e.currentTarget, () => setPublic(record, path, !on, box).then((ok) => ok && reload())) }, on ? "Make private" : "Make public"));
  }
  buttons.push(h("button", { type: "button", class: "small danger", "aria-label": `Delete ${entry.name}`, dataset: { action: "delete", name: entry.name },
    onclick: () => remove(service, [...segments, entry.name], entry, box, reload) }, "Delete"));
  return h("div", { class: "row-actions" }, buttons);
}

function size(bytes) {
  if (bytes === undefined || bytes === null) return "";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let value = Number(bytes);
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

/** Upload each file on its own (a progress bar each), into the folder; zips unpacked when asked. */
async function upload(service, segments, files, extract, area, box) {
  box.hidden = true;
  let stored = 0;
  for (const file of files) {
    const bar = progress(`Uploading ${file.name}`);
    area.append(bar.element);
    const body = new FormData();
    body.append("files", file, file.name);
    try {
      await request("POST", apiPath(service, segments), {
        body,
        params: extract && /\.zip$/i.test(file.name) ? { extract: true } : {},
        onProgress: bar.set,
      });
      bar.set(1);
      bar.element.dataset.state = "done";
      stored += 1;
    } catch (error) {
      bar.element.dataset.state = "failed";
      showError(box, error);
    }
  }
  if (stored) toast(`Uploaded ${stored} file${stored === 1 ? "" : "s"}.`);
}

/** Fetch the file with the session (never a URL carrying the token) and hand it to the browser. */
async function download(service, segments, name, box) {
  try {
    const response = await request("GET", apiPath(service, segments, false), { params: { download: true }, raw: true });
    saveBlob(await response.blob(), name);
  } catch (error) {
    showError(box, error);
  }
}

async function remove(service, segments, entry, box, reload) {
  const folder = entry.type === "folder";
  const text = folder
    ? `Delete the folder "${entry.path}" and everything in it?`
    : `Delete the file "${entry.path}"?`;
  if (!(await confirmAction(text))) return;
  try {
    await api.delete(apiPath(service, segments, folder), folder ? { force: true } : undefined);
    toast(`Deleted ${entry.name}.`);
    reload();
  } catch (error) {
    showError(box, error);
  }
}

/** Add or remove `path` among the service's public folders (PATCH system/service); true when saved. */
async function setPublic(record, path, on, box) {
  const current = await api.get(`system/service/${record.id}`, { fields: "id,config" });
  const config = { ...(current.config || {}) };
  const others = (config.public_path || []).filter((p) => String(p).replace(/^\/+|\/+$/g, "") !== path);
  config.public_path = on ? [...others, `${path}/`] : others;
  try {
    await api.patch(`system/service/${record.id}`, { config });
    toast(on ? `${path} is public.` : `${path} is private.`);
    return true;
  } catch (error) {
    showError(box, error);
    return false;
  }
}
