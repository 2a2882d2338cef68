"""Turning a script's text into a function of ``(event, platform)``.

The script is the body of that function, as in DreamFactory (which indented it
into ``def my_closure(event, platform):``): ``return`` ends it and gives its
value, names it assigns are local. We wrap the parsed statements in a
``FunctionDef`` instead of indenting text, so line numbers match the script and
multi-line strings keep their content.

Scripts written for DreamFactory's Python 2 engine often use the ``print x``
statement (its own documentation does); when a script fails to parse because
of one, those statements are rewritten as calls and the parse retried. A
script indented as a whole is likewise accepted. What still fails to parse is
reported with the first error's line.

Compiled code is cached by script name and text, so a warm worker parses each
script once.
"""

from __future__ import annotations

import ast
import io
import textwrap
import tokenize
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

FUNCTION = "__df_script__"
CACHE_SIZE = 256
"""Compiled scripts kept per worker (least recently used dropped first)."""

_cache: OrderedDict[tuple[str, str], Any] = OrderedDict()


class ScriptSyntaxError(Exception):
    """The script does not parse; ``line`` is where (1-based), when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def filename_for(name: str) -> str:
    return f"<script {name}>"


def compile_script(name: str, source: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    """The script as a function ``(event, platform)`` whose globals are ``namespace``.

    The code is compiled once per name and text; each call defines a fresh
    function in the given namespace, so runs never share globals.
    """
    key = (name, source)
    code = _cache.get(key)
    if code is None:
        code = _compile(name, source)
        _cache[key] = code
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    exec(code, namespace)  # noqa: S102 - only defines the function
    return namespace.pop(FUNCTION)


def _compile(name: str, source: str) -> Any:
    filename = filename_for(name)
    first: SyntaxError | None = None
    for candidate in _variants(source):
        try:
            tree = ast.parse(candidate, filename=filename)
            function = _function_of(tree)
            return compile(function, filename, "exec")
        except SyntaxError as error:  # includes IndentationError
            first = first or error
        except (ValueError, RecursionError, MemoryError) as error:  # null bytes, absurd nesting
            raise ScriptSyntaxError(f"the script cannot be compiled: {error}", None) from None
    assert first is not None
    message = first.msg or "invalid syntax"
    raise ScriptSyntaxError(message, first.lineno)


def _variants(source: str):
    """The script as written, then the fixes for Python 2 prints and whole-script indentation."""
    yield source
    seen = {source}
    dedented = textwrap.dedent(source)
    for text in (source, dedented):
        for variant in (text, python2_prints(text)):
            if variant is not None and variant not in seen:
                seen.add(variant)
                yield variant


def _function_of(tree: ast.Module) -> ast.Module:
    template = ast.parse(f"def {FUNCTION}(event, platform):\n    pass\n")
    function = template.body[0]
    assert isinstance(function, ast.FunctionDef)
    function.body = tree.body or [ast.Pass()]
    function.lineno = 1
    function.col_offset = 0
    template.body = [function]
    return ast.fix_missing_locations(template)


_STATEMENT_AFTER = {"[", "{", "-", "+", "~", ">>", "`"}
"""Operators that, right after ``print``, show a Python 2 print statement."""


def python2_prints(source: str) -> str | None:
    """``source`` with Python 2 ``print`` statements made calls, or None when there are none.

    ``print x, y`` → ``print(x, y)``; a trailing comma → ``end=" "``;
    ``print >>f, x`` → ``print(x, file=f)``; a bare ``print`` → ``print()``.
    """
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return None
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(position: tuple[int, int]) -> int:
        row, column = position
        return starts[row - 1] + column if row - 1 < len(starts) else len(source)

    edits: list[tuple[int, int, str]] = []
    at_start, depth, index = True, 0, 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth = max(0, depth - 1)
        if at_start and token.type == tokenize.NAME and token.string == "print":
            nxt = tokens[index + 1] if index + 1 < len(tokens) else None
            if nxt is not None and _starts_statement(nxt):
                end_index = _statement_end(tokens, index + 1)
                start = offset(token.end)
                end = offset(tokens[end_index].end) if end_index > index else start
                edits.append((start, end, _call_text(source[start:end])))
                index = end_index + 1
                at_start = False
                continue
        if token.type in (tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            at_start = True
        elif token.type == tokenize.OP and token.string in (";", ":") and depth == 0:
            at_start = True
        elif token.type not in (tokenize.NL, tokenize.COMMENT):
            at_start = False
        index += 1
    if not edits:
        return None
    for start, end, text in reversed(edits):
        source = source[:start] + text + source[end:]
    return source


def _starts_statement(token: tokenize.TokenInfo) -> bool:
    if token.type in (tokenize.STRING, tokenize.NAME, tokenize.NUMBER, tokenize.NEWLINE):
        return True
    if token.type in (tokenize.COMMENT, tokenize.ENDMARKER):
        return True
    return token.type == tokenize.OP and (token.string in _STATEMENT_AFTER or token.string == ";")


def _statement_end(tokens: list[tokenize.TokenInfo], index: int) -> int:
    """Index of the statement's last significant token (``index - 1`` when it has none)."""
    depth, last = 0, index - 1
    while index < len(tokens):
        token = tokens[index]
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            break
        if token.type == tokenize.OP:
            if token.string in "([{":
                depth += 1
            elif token.string in ")]}":
                depth -= 1
            elif token.string == ";" and depth == 0:
                break
        if token.type not in (tokenize.NL, tokenize.COMMENT):
            last = index
        index += 1
    return last


def _call_text(arguments: str) -> str:
    text = arguments.strip()
    target = None
    if text.startswith(">>"):
        target, _, text = text[2:].partition(",")
        target, text = target.strip(), text.strip()
    end = None
    if text.endswith(","):
        text, end = text[:-1].rstrip(), '" "'
    parts = [part for part in (text, end and f"end={end}", target and f"file={target}") if part]
    return "(" + ", ".join(parts) + ")"
