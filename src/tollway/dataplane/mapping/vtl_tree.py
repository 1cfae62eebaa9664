"""What the VTL compiler (``vtl_compile``) reads off airspeed's tree, and its value types.

``scan`` walks a javaified tree once: the constructs left to the interpreter, the names
``#set`` rebinds. ``operator_tree`` replays airspeed's operator-stack evaluation of
``a op b op c`` as a tree that records which operand the interpreter computes first.
``Expr`` is generated code for one value, ``Loop`` one ``#foreach`` being compiled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from airspeed import operators as ops

from tollway.dataplane.mapping.vtl_nodes import (
    JavaAssignment,
    JavaForeach,
    JavaNameOrCall,
    JavaReference,
    children,
)

__all__ = [
    "CONSTRUCTS",
    "Binary",
    "Expr",
    "Leaf",
    "Loop",
    "Scan",
    "StateNeeded",
    "arguments",
    "inner",
    "is_property",
    "literal_text",
    "operator_symbol",
    "operator_tree",
    "prints_only",
    "scan",
]

CONSTRUCTS: Final[dict[type, str]] = {
    ops.MacroDefinition: "#macro",
    ops.MacroCall: "#macro call",
    ops.DefineDefinition: "#define",
    ops.EvaluateDirective: "#evaluate",
    ops.ReturnDirective: "#return",
    ops.IncludeDirective: "#include",
    ops.ParseDirective: "#parse",
    ops.StopDirective: "#stop",
    ops.UserDefinedDirective: "user-defined directive",
}


@dataclass(frozen=True, slots=True)
class Expr:
    """Python code for a template value.

    ``pure``: computing it cannot fail nor change anything (so when it is computed does
    not matter, unless something with effects might change what it reads);
    ``constant``: a literal; ``kind``: ``"str"`` when it is always a string, ``"input"`` /
    ``"util"`` when it is that object (never null)."""

    code: str
    pure: bool = False
    constant: bool = False
    kind: str | None = None


@dataclass(slots=True)
class Loop:
    """A ``#foreach`` being compiled: its locals and which loop variables it computes.

    While ``fast`` holds, ``$foreach.count``/``.index``/``.hasNext``/``.first``/``.last``,
    ``$velocityCount`` and ``$velocityHasNext`` are inline expressions of the index; a
    template that rebinds them or uses ``$foreach`` as a value gets real locals and the
    ``$foreach`` map the interpreter keeps."""

    key: int
    variable: str
    fast_state: bool
    fast_count: bool
    fast_has_next: bool
    uses_index: bool = False
    uses_last: bool = False
    names: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        k = self.key
        self.names = {
            self.variable: f"_x{k}",
            "foreach": f"_f{k}",
            "velocityCount": f"_vc{k}",
            "velocityHasNext": f"_vh{k}",
        }

    def index(self) -> str:
        self.uses_index = True
        return f"_i{self.key}"

    def has_next(self) -> str:
        self.uses_last = True
        return f"({self.index()} < _m{self.key})"

    def state(self, name: str) -> Expr:
        """``$foreach.name`` inline."""
        if name == "count":
            return Expr(f"({self.index()} + 1)", pure=True)
        if name == "index":
            return Expr(self.index(), pure=True)
        if name == "hasNext":
            return Expr(self.has_next(), pure=True)
        if name == "first":
            return Expr(f"({self.index()} == 0)", pure=True)
        if name == "last":
            return Expr(f"(not {self.has_next()})", pure=True)
        return Expr("None", pure=True, constant=True)


class StateNeeded(Exception):
    """Raised inside a fast loop body that needs the real ``$foreach`` map: the loop is
    compiled again with it."""

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        super().__init__()


@dataclass(slots=True)
class Scan:
    """What one walk of the tree finds before compiling: the nodes left to the interpreter,
    and the names ``#set`` rebinds (``#set($x = ...)``) or writes into (``#set($x.a = ...)``)
    in the whole template and inside each ``#foreach`` (by ``id`` of the node)."""

    uncovered: list[Any] = field(default_factory=list)
    rebound: set[str] = field(default_factory=set)
    loops: dict[int, tuple[set[str], set[str]]] = field(default_factory=dict)


def scan(root: Any) -> Scan:
    """One walk of the tree under ``root`` (see ``Scan``)."""
    found = Scan()
    stack: list[tuple[Any, tuple[int, ...]]] = [(root, ())]
    while stack:
        node, loops = stack.pop()
        kind = type(node)
        if kind in CONSTRUCTS:
            found.uncovered.append(node)
        elif kind is JavaAssignment:
            which = 1 if node.terms else 0
            if not node.terms:
                found.rebound.add(node.root_term)
            for loop in loops:
                found.loops[loop][which].add(node.root_term)
        elif kind is JavaForeach:
            found.loops[id(node)] = (set(), set())
            loops = (*loops, id(node))
        stack.extend((child, loops) for child in children(node))
    return found


def inner(parenthesized: Any) -> Any:
    """The expression of ``( ... )``: airspeed keeps only its bound ``calculate``."""
    return parenthesized.calculate.__self__


def arguments(parameters: Any) -> list[Any]:
    """The argument nodes of ``(a, b)`` (a ``ParameterList``)."""
    values = parameters.values
    return list(values.values) if isinstance(values, ops.ValueList) else []


def operator_symbol(node: Any) -> str:
    """``==``, ``and``, ``+``...: airspeed keeps only the operator's function and text."""
    return str(node.my_text()).strip()


@dataclass(slots=True)
class Leaf:
    """An operand of ``operator_tree``: a value node not computed yet."""

    value: Any


@dataclass(slots=True)
class Binary:
    """``left operator right`` of ``operator_tree``."""

    operator: Any
    left: Leaf | Binary
    right: Leaf | Binary
    left_first: bool


def operator_tree(items: list[Any]) -> Leaf | Binary:
    """The interpreter's operator-precedence evaluation of ``a op b op c ...``, as a tree.

    airspeed reduces with two stacks; on each reduction it computes the right operand
    before the left one when the left one is still a plain value: ``left_first`` records
    the order, which matters when both operands have effects."""
    operators: list[Any] = []
    values: list[Leaf | Binary] = [Leaf(items[0])]
    terms = items[1:]

    def reduce() -> None:
        right = values.pop()
        left = values.pop()
        values.append(Binary(operators.pop(), left, right, isinstance(left, Binary)))

    while terms:
        if not operators or terms[0].greater_precedence_than(operators[-1]):
            operators.append(terms[0])
            values.append(Leaf(terms[1]))
            terms = terms[2:]
        else:
            reduce()
    while operators:
        reduce()
    return values[0]


_PRINTING: Final = (ops.Text, ops.FallthroughHashText, ops.Comment, JavaReference)


def prints_only(node: Any) -> bool:
    """True when every branch of an ``#if`` holds only text, comments and references."""
    blocks = [node.block, *(e.block for e in node.elseifs)]
    if isinstance(node.else_block, ops.ElseBlock):
        blocks.append(node.else_block.block)
    return all(type(child) in _PRINTING for block in blocks for child in block.children)


def literal_text(parameters: Any) -> str | None:
    """The text of a single string-literal argument (``('$.a')``), else None."""
    values = arguments(parameters)
    if len(values) != 1 or type(values[0]) is not ops.Value:
        return None
    literal = values[0].expression
    return literal.value if type(literal) is ops.StringLiteral else None


def is_property(item: Any) -> bool:
    """True for a plain ``.name`` step (no call, no index)."""
    return type(item) is JavaNameOrCall and item.parameters is None and item.index is None
