// A list paged on the server: one page of records at a time (limit/offset with
// include_count), with a search box sent as the server's filter.

import { api } from "./api.js";
import { h, show, table } from "./widgets.js";

/**
 * pagedList({path, params, columns, onOpen, search, size, emptyNode}) → {element, reload}.
 * `search(text)` turns the search box's text into a filter (no box without it);
 * `emptyNode` is shown when there is nothing to list at all.
 */
export function pagedList({ path, params = {}, columns, onOpen, search = null, size = 25, emptyNode = null, label }) {
  let offset = 0;
  let text = "";
  const body = h("div", { class: "paged-body", "aria-live": "polite" });
  const status = h("span", { class: "hint" });
  const previous = h("button", { type: "button", class: "small", onclick: () => go(offset - size) }, "Previous");
  const next = h("button", { type: "button", class: "small", onclick: () => go(offset + size) }, "Next");
  const box = search
    ? h("input", { type: "search", name: "search", "aria-label": `Search ${label}`, placeholder: "Search…" })
    : null;
  let timer = null;
  box?.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      text = box.value.trim();
      go(0);
    }, 250);
  });

  async function go(to) {
    offset = Math.max(0, to);
    const filter = text && search ? search(text) : params.filter;
    const page = await api.get(path, { ...params, filter, limit: size, offset, include_count: true });
    const rows = page.resource || [];
    const count = page.meta?.count ?? rows.length;
    if (count === 0 && !text && emptyNode) {
      show(body, emptyNode);
    } else {
      show(body, rows.length ? table(columns, rows, { onOpen }) : h("p", { class: "hint" }, "Nothing matches."));
    }
    status.textContent = count ? `${offset + 1}–${offset + rows.length} of ${count}` : "";
    previous.disabled = offset === 0;
    next.disabled = offset + rows.length >= count;
  }

  const element = h(
    "section",
    { class: "paged", "aria-label": label },
    box ? h("div", { class: "paged-tools" }, box) : null,
    body,
    h("div", { class: "paged-nav" }, previous, status, next),
  );
  return { element, reload: () => go(offset), start: () => go(0) };
}
