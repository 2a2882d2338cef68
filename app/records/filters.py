"""Parse DreamFactory's ``filter`` parameter into a bound SQLAlchemy condition.

The text is tokenized, then parsed by recursive descent. The grammar
(keywords are case-insensitive)::

    filter     = or_expr ;
    or_expr    = and_expr { ( "OR" | "||" | "XOR" | "NOR" ) and_expr } ;
    and_expr   = not_expr { ( "AND" | "&&" ) not_expr } ;
    not_expr   = "NOT" not_expr | primary ;
    primary    = "(" or_expr ")" | comparison ;
    comparison = field ( compare_op value
                       | [ "NOT" ] ( "LIKE" | "CONTAINS" | "STARTS" "WITH" | "ENDS" "WITH" ) value
                       | [ "NOT" ] "IN" "(" [ value { "," value } ] ")"
                       | "IS" [ "NOT" ] "NULL" ) ;
    compare_op = "=" | "!=" | "<>" | ">" | ">=" | "<" | "<="
               | "EQ" | "NE" | "GT" | "GTE" | "LT" | "LTE" ;
    value      = quoted | ":" param | bare ;
    quoted     = "'" chars "'" | '"' chars '"' ;   (* '' or \\' escape the quote *)
    bare       = word { word | "," } ;             (* "," only outside IN lists *)

Evaluation rules:

- Precedence is SQL's: ``NOT`` binds tightest, then ``AND``, then ``OR``, ``XOR``
  and ``NOR`` (left to right). DreamFactory itself only splits at ``) AND (``,
  so every filter it accepts parses the same way here, and unparenthesized
  ``a = 1 AND b = 2 OR c = 3`` works too. ``a XOR b`` is ``(a OR b) AND NOT
  (a AND b)``; ``a NOR b`` is ``NOT (a OR b)``.
- A bare value runs to the next logical operator, ``)`` or the end, keeping
  its inner spacing: ``name = John Smith`` compares with ``'John Smith'``. A
  bare value equal to ``null`` means SQL NULL (``= null`` is ``IS NULL``, ``!=
  null`` is ``IS NOT NULL``); quoted ``'null'`` is the four-letter string.
- ``:name`` takes its value from ``params`` (key ``:name`` or ``name``); a list
  value expands inside an ``IN`` list.
- Every value is typecast to its column's Python type and bound as a
  parameter; nothing the user writes reaches the SQL text except as a column
  looked up in ``columns``. A parenthesized value (DreamFactory's raw-SQL
  escape hatch, e.g. ``(NOW())``) is refused.
- ``CONTAINS``/``STARTS WITH``/``ENDS WITH`` unquote first, then escape ``%``
  and ``_``, so they match the text literally; ``LIKE`` passes the user's
  pattern through. Pattern operators on non-text columns compare the column
  cast to text.
- ``{lookup}`` substitution happens before parsing; ``{`` is an ordinary character here.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.records.tokens import Token, tokenize, unparsable
from app.records.values import coerce_pattern, coerce_value, is_text_column
from app.vocabulary.errors import BadRequest

MAX_DEPTH = 64
"""Deepest nesting of parentheses and NOTs accepted, in levels."""

MAX_CONDITIONS = 500
"""Most comparisons one filter may hold; SQLite refuses expression trees past 1000 deep."""

COMPARISONS = {
    "=": operator.eq,
    "EQ": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "NE": operator.ne,
    ">": operator.gt,
    "GT": operator.gt,
    ">=": operator.ge,
    "GTE": operator.ge,
    "<": operator.lt,
    "LT": operator.lt,
    "<=": operator.le,
    "LTE": operator.le,
}
"""Comparison spellings, symbol and word form, mapped to the operators SQLAlchemy overloads."""

PATTERNS = {"LIKE": "like", "CONTAINS": "contains", "STARTS": "startswith", "ENDS": "endswith"}
"""Pattern keywords mapped to column methods; STARTS and ENDS are followed by WITH."""

AND_OPS = frozenset({"AND", "&&"})
OR_OPS = frozenset({"OR", "||", "XOR", "NOR"})


@dataclass(frozen=True, slots=True)
class Value:
    """A parsed operand: text from the filter, or whatever ``params`` held."""

    raw: Any
    is_null: bool = False


class Parser:
    """Recursive-descent parser over the token list; one instance per filter."""

    def __init__(
        self,
        text: str,
        columns: Mapping[str, sa.ColumnElement],
        params: Mapping[str, Any],
        ranged: bool = False,
    ) -> None:
        self.text = text
        self.ranged = ranged
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.conditions = 0
        self.columns = {key.lower(): column for key, column in columns.items()}
        self.params = params

    def parse(self) -> sa.ColumnElement[bool]:
        condition = self.or_expr()
        token = self.peek()
        if token.kind == "rparen":
            raise unparsable("unbalanced parenthesis")
        if token.kind != "end":
            raise self.unexpected(token)
        return condition

    # -- token helpers -------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.pos += 1
        return token

    def accept(self, *keywords: str) -> bool:
        if self.peek().keyword in keywords:
            self.pos += 1
            return True
        return False

    def unexpected(self, token: Token) -> BadRequest:
        if token.kind == "end":
            return unparsable("unexpected end of filter")
        shown = self.text[token.start : token.end]
        return unparsable(f"unexpected '{shown}' at position {token.start}")

    def is_logical(self, token: Token) -> bool:
        return token.keyword in AND_OPS or token.keyword in OR_OPS

    # -- logical structure ---------------------------------------------

    def or_expr(self) -> sa.ColumnElement[bool]:
        # Runs of plain ORs stay one flat clause list, so long filters compile without deep trees.
        terms = [self.and_expr()]
        while (op := self.peek().keyword) in OR_OPS:
            self.advance()
            right = self.and_expr()
            if op in ("OR", "||"):
                terms.append(right)
                continue
            left = sa.or_(*terms) if len(terms) > 1 else terms[0]
            if op == "XOR":
                terms = [sa.and_(sa.or_(left, right), sa.not_(sa.and_(left, right)))]
            else:
                terms = [sa.not_(sa.or_(left, right))]
        return sa.or_(*terms) if len(terms) > 1 else terms[0]

    def and_expr(self) -> sa.ColumnElement[bool]:
        terms = [self.not_expr()]
        while self.peek().keyword in AND_OPS:
            self.advance()
            terms.append(self.not_expr())
        return sa.and_(*terms) if len(terms) > 1 else terms[0]

    def not_expr(self) -> sa.ColumnElement[bool]:
        # "NOT = 1" compares a column named "not"; otherwise NOT is the prefix operator.
        if self.peek().keyword == "NOT" and self.peek(1).kind != "op":
            self.advance()
            with self.nested():
                return sa.not_(self.not_expr())
        return self.primary()

    def primary(self) -> sa.ColumnElement[bool]:
        token = self.peek()
        if token.kind == "lparen":
            self.advance()
            with self.nested():
                condition = self.or_expr()
            if self.peek().kind != "rparen":
                if self.peek().kind == "end":
                    raise unparsable("unbalanced parenthesis")
                raise self.unexpected(self.peek())
            self.advance()
            return condition
        if token.kind == "word":
            return self.comparison()
        if token.kind == "rparen":
            raise unparsable("unbalanced parenthesis")
        raise self.unexpected(token)

    @contextmanager
    def nested(self) -> Iterator[None]:
        """Count one level of nesting, so hostile input gets a 400, not a RecursionError."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise unparsable("too deeply nested")
        try:
            yield
        finally:
            self.depth -= 1

    # -- comparisons ---------------------------------------------------

    def comparison(self) -> sa.ColumnElement[bool]:
        self.conditions += 1
        if self.conditions > MAX_CONDITIONS:
            raise unparsable(f"more than {MAX_CONDITIONS} conditions")
        field = self.advance().value
        token = self.advance()
        keyword = token.keyword
        negate = False
        if keyword in COMPARISONS:
            column = self.column(field)
            return self.compare(column, field, COMPARISONS[keyword], self.value(field))
        if keyword == "IS":
            negate = self.accept("NOT")
            if not self.accept("NULL"):
                raise unparsable(f"expected NULL after IS for field '{field}'")
            column = self.column(field)
            return column.is_not(None) if negate else column.is_(None)
        if keyword == "NOT":
            negate, keyword = True, self.advance().keyword
        if keyword == "IN":
            column = self.column(field)
            values = [
                coerce_value(v, column, field, ranged=self.ranged) for v in self.value_list(field)
            ]
            return column.not_in(values) if negate else column.in_(values)
        if keyword in PATTERNS:
            if keyword in ("STARTS", "ENDS") and not self.accept("WITH"):
                raise unparsable(f"expected WITH after {keyword} for field '{field}'")
            column = self.column(field)
            condition = self.pattern(column, field, PATTERNS[keyword], self.value(field))
            return sa.not_(condition) if negate else condition
        raise unparsable()

    def column(self, field: str) -> sa.ColumnElement:
        try:
            return self.columns[field.lower()]
        except KeyError:
            raise BadRequest(f"Invalid or unparsable field in filter request: '{field}'") from None

    def compare(
        self, column: sa.ColumnElement, field: str, op: Callable[[Any, Any], Any], value: Value
    ) -> sa.ColumnElement[bool]:
        if value.is_null:
            if op is operator.eq:
                return column.is_(None)
            if op is operator.ne:
                return column.is_not(None)
            raise unparsable(f"null can only be compared with = or != (field '{field}')")
        return op(column, coerce_value(value.raw, column, field, ranged=self.ranged))

    def pattern(
        self, column: sa.ColumnElement, field: str, method: str, value: Value
    ) -> sa.ColumnElement[bool]:
        text = coerce_pattern(None if value.is_null else value.raw, column, field)
        target = column if is_text_column(column) else sa.cast(column, sa.String)
        if method == "like":
            return target.like(text)
        return getattr(target, method)(text, autoescape=True)

    # -- values --------------------------------------------------------

    def value(self, field: str, in_list: bool = False) -> Value:
        token = self.peek()
        if token.kind == "string":
            self.advance()
            return Value(token.value)
        if token.kind == "param":
            self.advance()
            return self.param(token.value)
        if token.kind == "lparen":
            raise unparsable(f"parenthesized values are not supported (field '{field}')")
        return self.bare(field, in_list)

    def bare(self, field: str, in_list: bool) -> Value:
        """Collect words up to a logical operator, ``)``, the end (or ``,`` in a list)."""
        words: list[Token] = []
        while not self.ends_value(token := self.peek(), in_list):
            if token.kind != "word" and not (token.kind == "comma" and words):
                raise self.unexpected(token)
            words.append(self.advance())
        if not words:
            raise unparsable(f"missing value for field '{field}'")
        text = self.text[words[0].start : words[-1].end]
        return Value(text, is_null=text.upper() == "NULL")

    def ends_value(self, token: Token, in_list: bool) -> bool:
        if token.kind in ("end", "rparen") or self.is_logical(token):
            return True
        return in_list and token.kind == "comma"

    def param(self, name: str) -> Value:
        for key in (f":{name}", name):
            if key in self.params:
                raw = self.params[key]
                return Value(raw, is_null=raw is None)
        raise BadRequest(f"Missing value for filter parameter ':{name}'.")

    def value_list(self, field: str) -> list[Any]:
        if self.peek().kind != "lparen":
            raise BadRequest("Filter value lists must be wrapped in parentheses.")
        self.advance()
        values: list[Any] = []
        if self.peek().kind == "rparen":
            self.advance()
            return values
        while True:
            item = self.value(field, in_list=True)
            if isinstance(item.raw, list | tuple):
                values.extend(item.raw)
            else:
                values.append(None if item.is_null else item.raw)
            token = self.advance()
            if token.kind == "rparen":
                return values
            if token.kind == "end":
                raise unparsable("unbalanced parenthesis")
            if token.kind != "comma":
                raise self.unexpected(token)


def parse_filter(
    text: str | None,
    columns: Mapping[str, sa.ColumnElement],
    params: Mapping[str, Any] | None = None,
    *,
    ranged: bool = False,
) -> sa.ColumnElement[bool] | None:
    """Parse ``text`` into a condition over ``columns``; ``None`` for an empty filter.

    ``columns`` maps lower-cased field names to column expressions. Raises
    ``BadRequest`` for anything unparsable, unknown or mistyped; with ``ranged``,
    also for an integer beyond its column type's range (``coerce_value``).
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise unparsable()
    if not text.strip():
        return None
    return Parser(text, columns, params or {}, ranged).parse()
