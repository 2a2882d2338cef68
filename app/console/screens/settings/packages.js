// Config packages (system/package): export what the manifest picker selects
// (downloaded, or stored in a file service), import a package zip with progress.

import { ApiError, api, listAll, request } from "../../api.js";
import {
  actionForm, checkbox, errorBox, field, h, header, progress, saveBlob, select, show, table, toast,
} from "../../widgets.js";

export async function packagesTab(view) {
  const [listing, services, types, rules] = await Promise.all([
    api.get("system/package"),
    listAll("system/service", { fields: "id,name,type" }),
    api.get("system/service_type", { fields: "name,group" }),
    listAll("system/cors", { fields: "id,path,origin" }),
  ]);
  // CORS rules are listed by id: name them by what they allow instead.
  const labels = { cors: new Map(rules.map((r) => [r.id, `${r.path} from ${r.origin}`])) };
  const fileTypes = new Set((types.resource || []).filter((t) => t.group === "File").map((t) => t.name));
  show(
    view,
    header("Packages"),
    h("p", { class: "hint" }, "A package is a zip of this instance's configuration that another instance can import. Secrets (passwords, private lookups) are left out."),
    exportForm(listing.service || {}, services.filter((s) => fileTypes.has(s.type)).map((s) => s.name), labels),
    importForm(),
  );
}

/** [service, resource, item] of every exportable item in the listing. */
function items(manifest) {
  return Object.entries(manifest).flatMap(([service, resources]) =>
    Object.entries(resources || {})
      .filter(([, list]) => Array.isArray(list))
      .flatMap(([resource, list]) => list.map((item) => [service, resource, item])));
}

/** An item as the picker shows it: a name, an e-mail, or (`labels`) what an id stands for. */
function itemLabel(item, resource, labels) {
  if (labels[resource]?.has(item)) return labels[resource].get(item);
  if (item && typeof item === "object") return item.email || item.name || JSON.stringify(item);
  return String(item);
}

function exportForm(manifest, fileServices, labels) {
  const box = errorBox();
  const groups = new Map();
  items(manifest).forEach(([service, resource, item], index) => {
    const key = `${service}/${resource}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push([index, item, resource]);
  });
  const all = items(manifest);
  const picker = h("div", { class: "manifest" }, [...groups].map(([key, list]) => {
    const boxes = list.map(([index, item, resource]) => checkbox(itemLabel(item, resource, labels), `item.${index}`, false));
    const toggle = h("input", { type: "checkbox", "aria-label": `All of ${key}`, name: `all.${key}`,
      onchange: (e) => boxes.forEach((b) => (b.querySelector("input").checked = e.currentTarget.checked)) });
    return h("fieldset", { class: "field" }, h("legend", {}, toggle, " ", key), boxes);
  }));
  const description = h("input", { name: "description", autocomplete: "off" });
  const target = select("storage", [["", "Download the zip"], ...fileServices.map((s) => [s, `Save in the file service ${s}`])], "");
  const folder = h("input", { name: "folder", value: "__EXPORTS", autocomplete: "off" });
  const go = h("button", { type: "submit", class: "primary", id: "export-package" }, "Export");
  const result = h("div", { "aria-live": "polite" });
  return actionForm(
    { class: "card" },
    go,
    box,
    async (form) => {
      const chosen = all.filter((_, index) => form.querySelector(`input[name="item.${index}"]`).checked);
      if (!chosen.length) throw new ApiError(400, { message: "Pick at least one item to export." });
      const out = { description: description.value, service: {} };
      for (const [service, resource, item] of chosen) {
        out.service[service] ??= {};
        (out.service[service][resource] ??= []).push(item);
      }
      if (target.value) {
        out.storage = { name: target.value, folder: folder.value || undefined };
        const saved = await api.post("system/package", out);
        show(result, h("p", { class: "notice", id: "export-result" }, "Saved as ", h("code", {}, saved.path), "."));
      } else {
        await downloadPackage(out);
        show(result, h("p", { class: "notice", id: "export-result" }, "Downloaded."));
      }
      toast("Exported the package.");
    },
    h("h2", {}, "Export"),
    box,
    items(manifest).length ? picker : h("p", {}, "Nothing to export yet."),
    field("Description", description),
    field("Where", target),
    field("Folder (when saved in a file service)", folder),
    h("div", { class: "form-actions" }, go),
    result,
  );
}

async function downloadPackage(manifest) {
  const response = await request("POST", "system/package", { body: manifest, raw: true });
  const name = /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "")?.[1] || "package.zip";
  saveBlob(await response.blob(), name);
}

function importForm() {
  const box = errorBox();
  const file = h("input", { type: "file", name: "package", accept: ".zip,application/zip", id: "import-file" });
  const go = h("button", { type: "submit", id: "import-package" }, "Import");
  const result = h("div", { "aria-live": "polite" });
  return actionForm(
    { class: "card" },
    go,
    box,
    async () => {
      const zip = file.files[0];
      if (!zip) throw new ApiError(400, { message: "Choose a package zip.", context: { package: ["Choose a file."] } });
      const bar = progress(`Importing ${zip.name}`);
      show(result, bar.element);
      try {
        const answer = await request("POST", "system/package", { body: zip, headers: { "Content-Type": "application/zip" }, onProgress: bar.set });
        show(result, importResult(answer.resource || []));
        toast("Imported the package.");
      } catch (error) {
        show(result);
        throw error;
      }
    },
    h("h2", {}, "Import"),
    box,
    field("Package (.zip)", file),
    h("div", { class: "form-actions" }, go),
    result,
  );
}

function importResult(rows) {
  if (!rows.length) return h("p", {}, "The package held nothing to import.");
  return table(
    [
      { label: "API", value: (r) => r.api || "" },
      { label: "Name", value: (r) => r.name || "" },
      { label: "Result", value: (r) => (r.error ? h("span", { class: "field-error" }, r.error.message || "refused") : `created (id ${r.id ?? "—"})`) },
    ],
    rows,
  );
}
