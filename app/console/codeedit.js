// A code editor for scripts: a plain <textarea> (so typing, undo, selection,
// the keyboard and screen readers work as everywhere) over a <pre> that shows
// the same text highlighted. One small tokenizer per language: comments,
// strings, keywords, numbers (and PHP's $variables); no library, no eval, no
// inline style, so it runs under the console's CSP. Loaded only by the screens
// that edit code (import("./codeedit.js")), so the first screen never pays for it.

const WORDS = {
  python:
    "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield",
  javascript:
    "async await break case catch class const continue debugger default delete do else export extends false finally for function if import in instanceof let new null of return static super switch this throw true try typeof undefined var void while with yield",
  php:
    "abstract and array as break callable case catch class clone const continue declare default do echo else elseif empty enddeclare endfor endforeach endif endswitch endwhile extends false final finally fn for foreach function global if implements include instanceof interface isset list match namespace new null or print private protected public require return static switch throw trait true try unset use var while xor yield",
};

const STRING = String.raw`'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"`;
const NUMBER = String.raw`\b(?:0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)\b`;

/** Each language's token pattern: one alternation, the group that matched names the token. */
const PATTERNS = {
  python: [
    ["comment", "#.*"],
    ["string", String.raw`[rRbBfFuU]{0,2}(?:'''[\s\S]*?(?:'''|$)|"""[\s\S]*?(?:"""|$)|${STRING})`],
  ],
  javascript: [
    ["comment", String.raw`\/\/.*|\/\*[\s\S]*?(?:\*\/|$)`],
    ["string", String.raw`${STRING}|\x60(?:\\[\s\S]|[^\x60\\])*(?:\x60|$)`],
  ],
  php: [
    ["comment", String.raw`\/\/.*|#.*|\/\*[\s\S]*?(?:\*\/|$)`],
    ["string", STRING],
    ["variable", String.raw`\$[A-Za-z_]\w*`],
  ],
};

const compiled = new Map();

function patternFor(language) {
  if (!compiled.has(language)) {
    const parts = [
      ...PATTERNS[language],
      ["keyword", String.raw`\b(?:${WORDS[language].split(" ").join("|")})\b`],
      ["number", NUMBER],
    ];
    compiled.set(language, {
      kinds: parts.map(([kind]) => kind),
      regex: new RegExp(parts.map(([, source]) => `(${source})`).join("|"), "g"),
    });
  }
  return compiled.get(language);
}

/** The language whose highlighting suits a script type (nodejs and v8js are JavaScript). */
export function languageOf(scriptType) {
  const type = String(scriptType || "").toLowerCase();
  if (type === "python" || type === "python3") return "python";
  if (type === "php") return "php";
  return "javascript";
}

/** `text` as text nodes and <span class="tok-KIND"> elements. */
export function highlight(text, language) {
  const { kinds, regex } = patternFor(language);
  const out = document.createDocumentFragment();
  let last = 0;
  for (const match of text.matchAll(regex)) {
    if (!match[0]) continue;
    if (match.index > last) out.append(text.slice(last, match.index));
    const kind = kinds[match.slice(1).findIndex((group) => group !== undefined)];
    const span = document.createElement("span");
    span.className = `tok-${kind}`;
    span.textContent = match[0];
    out.append(span);
    last = match.index + match[0].length;
  }
  out.append(text.slice(last));
  return out;
}

/**
 * Turn `textarea` (already labelled, in a form) into the editor, in place:
 * returns {setLanguage(scriptType)}. The textarea keeps its name and value, so
 * forms read it as before.
 */
export function enhance(textarea, scriptType) {
  let language = languageOf(scriptType);
  const code = document.createElement("code");
  const pre = document.createElement("pre");
  pre.setAttribute("aria-hidden", "true");
  pre.append(code);
  const frame = document.createElement("div");
  frame.className = "code-editor";
  textarea.replaceWith(frame);
  frame.append(pre, textarea);
  textarea.spellcheck = false;
  textarea.classList.add("code");
  textarea.setAttribute("autocapitalize", "off");
  textarea.setAttribute("wrap", "off");

  const paint = () => {
    // a trailing newline needs a character after it to take up its line in the <pre>
    code.replaceChildren(highlight(textarea.value, language), "\n ");
    pre.scrollTop = textarea.scrollTop;
    pre.scrollLeft = textarea.scrollLeft;
  };
  textarea.addEventListener("input", paint);
  textarea.addEventListener("scroll", () => {
    pre.scrollTop = textarea.scrollTop;
    pre.scrollLeft = textarea.scrollLeft;
  });
  textarea.addEventListener("keydown", (event) => indent(event, textarea, paint));
  textarea.addEventListener("focus", () => delete textarea.dataset.tabs);
  paint();
  return {
    setLanguage(type) {
      language = languageOf(type);
      paint();
    },
  };
}

/** Tab indents by four spaces (Shift+Tab takes them off the line); after Escape, Tab
 * leaves the editor as anywhere else (until it is focused again): the keyboard never gets stuck. */
function indent(event, textarea, paint) {
  if (event.key === "Escape") {
    textarea.dataset.tabs = "off";
    return;
  }
  if (event.key !== "Tab" || event.ctrlKey || event.altKey || event.metaKey) return;
  if (textarea.dataset.tabs === "off") return;
  event.preventDefault();
  const { selectionStart: start, selectionEnd: end, value } = textarea;
  if (event.shiftKey) {
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    const spaces = /^ {1,4}/.exec(value.slice(lineStart))?.[0].length || 0;
    textarea.setRangeText("", lineStart, lineStart + spaces, "end");
  } else {
    textarea.setRangeText("    ", start, end, "end");
  }
  paint();
}

/** The hint to show with the editor. */
export const KEYS_HINT = "Tab indents; press Esc, then Tab, to move on.";
