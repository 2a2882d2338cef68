"""Tokenizer for the filter language (grammar in ``app.records.filters``).

Tokens are words, quoted strings, ``:name`` placeholders, operator symbols,
``(``, ``)`` and ``,``. A word runs until whitespace, a parenthesis, a comma
or an operator symbol, so ``age>21`` is three tokens while ``O'Brien`` and
``{user.id}`` are one word each. Quoted strings take ``''`` (doubled quote)
or a backslash to escape the next character.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.vocabulary.errors import BadRequest

SYMBOLS = ("&&", "||", ">=", "<=", "!=", "<>", "=", ">", "<")
"""Operator symbols, longest first so ``>=`` wins over ``>``."""

_SINGLE = {"(": "lparen", ")": "rparen", ",": "comma"}


def unparsable(detail: str | None = None) -> BadRequest:
    """The 400 for text that is not a filter, with an optional detail."""
    if detail is None:
        return BadRequest("Invalid or unparsable filter request.")
    return BadRequest(f"Invalid or unparsable filter request: {detail}.")


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit; ``value`` is the unescaped string, the param name or the raw text."""

    kind: str  # word, string, param, op, lparen, rparen, comma, end
    value: str
    start: int
    end: int

    @property
    def keyword(self) -> str:
        """The upper-cased text of a word or operator, '' for anything else."""
        return self.value.upper() if self.kind in ("word", "op") else ""


def tokenize(text: str) -> list[Token]:
    """Split filter text into tokens, ending with an ``end`` token."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in _SINGLE:
            tokens.append(Token(_SINGLE[ch], ch, i, i + 1))
            i += 1
        elif ch in "'\"":
            value, end = _read_quoted(text, i)
            tokens.append(Token("string", value, i, end))
            i = end
        elif symbol := next((s for s in SYMBOLS if text.startswith(s, i)), None):
            tokens.append(Token("op", symbol, i, i + len(symbol)))
            i += len(symbol)
        elif ch == ":" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):
            end = i + 1
            while end < n and (text[end].isalnum() or text[end] == "_"):
                end += 1
            tokens.append(Token("param", text[i + 1 : end], i, end))
            i = end
        else:
            end = i
            while end < n and not _ends_word(text, end):
                end += 1
            tokens.append(Token("word", text[i:end], i, end))
            i = end
    tokens.append(Token("end", "", n, n))
    return tokens


def _ends_word(text: str, i: int) -> bool:
    """Whether a bare word stops before ``text[i]``; a quote inside a word (O'Brien) does not."""
    ch = text[i]
    if ch.isspace() or ch in "(),=<>":
        return True
    return text.startswith(("!=", "&&", "||"), i)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """Read a quoted string at ``start``; a doubled quote or a backslash escapes the next char."""
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == quote and text.startswith(quote * 2, i):
            out.append(quote)
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise unparsable(f"unterminated quoted string at position {start}")
