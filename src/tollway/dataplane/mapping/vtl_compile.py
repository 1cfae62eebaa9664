"""Mapping templates compiled to Python functions, once per deployment.

``compile_tree`` takes the syntax tree airspeed parsed and ``vtl_nodes.javaify`` gave Java
semantics, and writes one Python function doing what the interpreter would do, node for
node: text and references append to one list, ``#if``/``#foreach``/``#set`` become Python
statements, Velocity variables become Python locals (a ``#foreach`` variable shadows a
template one only inside its loop, as the interpreter's loop scope does), property chains
become inline expressions that stop at the first null. The interpreter's behaviour is the
specification; where Python would differ (evaluation order of operands with effects, a
subscript that fails, a Java method that is missing) the code calls ``vtl_runtime``, whose
helpers mirror the interpreter's nodes.

A construct the compiler does not cover raises ``NotCompiled`` naming it (``#macro``,
``#define``, ``#evaluate``, ``#include``, ``#parse``, ``#stop``, directives inside a string
literal, ...); the caller keeps the interpreter for that template.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial
from types import CodeType
from typing import Any, Final

from airspeed import operators as ops

from tollway.dataplane.mapping import vtl_runtime as rt
from tollway.dataplane.mapping.input_var import InputVar
from tollway.dataplane.mapping.inputs import TemplateInputs
from tollway.dataplane.mapping.jsonpath import JsonPathError, compile_jsonpath
from tollway.dataplane.mapping.overrides import Overrides
from tollway.dataplane.mapping.util_var import UTIL
from tollway.dataplane.mapping.values import JavaList, JavaMap, java_str
from tollway.dataplane.mapping.vtl_nodes import (
    JavaArrayLiteral,
    JavaExpression,
    JavaForeach,
    JavaNameOrCall,
    JavaNot,
    JavaReference,
    loop_items,
    step,
)
from tollway.dataplane.mapping.vtl_tree import (
    CONSTRUCTS,
    Binary,
    Expr,
    Leaf,
    Loop,
    StateNeeded,
    arguments,
    inner,
    is_property,
    literal_text,
    operator_symbol,
    operator_tree,
    prints_only,
    scan,
)

__all__ = ["CompiledCode", "NotCompiled", "compile_tree"]

Render = Callable[[TemplateInputs, Overrides], str]

_LOOP_NAMES: Final = ("foreach", "velocityCount", "velocityHasNext")
_INPUT_METHODS: Final = frozenset({"json", "path", "params"})
_UTIL_METHODS: Final = frozenset(
    {"escapeJavaScript", "parseJson", "urlEncode", "urlDecode", "base64Encode", "base64Decode"}
)
# Operators that cannot fail on pure operands (airspeed's null-safe wrapper catches the
# TypeError of mismatched types); ``*``, ``/`` and ``%`` can (str * huge, "%z" % x).
_PURE_OPERATORS: Final = frozenset(
    {"==", "eq", "!=", "ne", "&&", "and", "||", "or", "<", "lt", "<=", "le", ">", "gt", ">=", "ge", "+", "-"}
)

_RUNTIME: Final[dict[str, Any]] = {
    "_InputVar": InputVar,
    "_UTIL": UTIL,
    "_JavaList": JavaList,
    "_JavaMap": JavaMap,
    "_context_of": rt.context_of,
    "_s": java_str,
    "_text": rt.text,
    "_prop": rt.prop,
    "_index": rt.index,
    "_index_lazy": rt.index_lazy,
    "_loop_items": loop_items,
    "_step": step,
    "_set_key": rt.set_key,
    "_range": rt.value_range,
    "_right_first": rt.right_first,
    "_map_of": rt.map_of,
    "_not_callable": rt.not_callable,
}


class NotCompiled(Exception):
    """The template uses ``construct``, which the compiler leaves to the interpreter."""

    def __init__(self, construct: str) -> None:
        self.construct = construct
        super().__init__(construct)


@dataclass(frozen=True, slots=True)
class CompiledCode:
    """A compiled template: ``render(inputs, overrides)`` gives its output.

    ``uses_context`` is False when the template never names ``$context``: it then cannot
    read or set overrides, and ``render`` ignores its second argument. ``python`` is the
    generated source (for debugging)."""

    render: Render
    uses_context: bool
    python: str


class _Compiler:
    def __init__(self, root: Any) -> None:
        self.lines: list[str] = []
        self.depth = 1
        self.pending: list[tuple[bool, str]] = []  # (is literal text, text or code)
        self.globals: dict[str, Any] = dict(_RUNTIME)
        self.constants: dict[tuple[str, Any], str] = {}
        self.variables: dict[str, str] = {}
        self.loops: list[Loop] = []
        self.ids = itertools.count()
        self.scan = scan(root)
        if self.scan.uncovered:  # named by the first one in the text
            first = min(self.scan.uncovered, key=lambda node: node.start)
            raise NotCompiled(CONSTRUCTS[type(first)])
        self.rebound = self.scan.rebound

    # --- bookkeeping ---------------------------------------------------------------

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def temp(self) -> str:
        return f"_t{next(self.ids)}"

    def constant(self, kind: str, key: Any, make: Callable[[], Any]) -> str:
        name = self.constants.get((kind, key))
        if name is None:
            name = f"_{kind}{len(self.constants)}"
            self.constants[(kind, key)] = name
            self.globals[name] = make()
        return name

    def variable(self, name: str) -> tuple[str, Loop | None]:
        """The Python local of Velocity variable ``name`` here, and its loop if it has one."""
        for loop in reversed(self.loops):
            if name in loop.names:
                return loop.names[name], loop
        local = self.variables.get(name)
        if local is None:
            safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
            local = self.variables[name] = f"v{len(self.variables)}_{safe}"
        return local, None

    # --- statements ----------------------------------------------------------------

    def block(self, node: Any) -> None:
        for child in node.children:
            kind = type(child)
            if kind is ops.Text or kind is ops.FallthroughHashText:
                self.pending.append((True, child.text))
            elif kind is ops.Comment:
                continue
            elif kind is JavaReference:
                self.pending.append((False, self.reference(child).code))
            elif kind is ops.IfDirective and prints_only(child):
                self.pending.append((False, self.if_expression(child)))
            else:
                self.flush()
                if kind is ops.IfDirective:
                    self.if_directive(child)
                elif kind is ops.SetDirective:
                    self.assignment(child.assignment)
                elif kind is JavaForeach:
                    self.foreach(child)
                else:
                    raise NotCompiled(CONSTRUCTS.get(kind, kind.__name__))

    def flush(self) -> None:
        pieces: list[str] = []
        text: list[str] = []
        for literal, value in self.pending:
            if literal:
                text.append(value)
                continue
            if text:
                pieces.append(repr("".join(text)))
                text = []
            pieces.append(value)
        if text and "".join(text):
            pieces.append(repr("".join(text)))
        self.pending = []
        if len(pieces) == 1:
            self.emit(f"_a({pieces[0]})")
        elif pieces:
            self.emit(f"_e(({', '.join(pieces)}))")

    def body(self, node: Any) -> None:
        """A nested block: at least one statement."""
        self.depth += 1
        start = len(self.lines)
        self.block(node)
        self.flush()
        if len(self.lines) == start:
            self.emit("pass")
        self.depth -= 1

    def if_directive(self, node: Any) -> None:
        self.emit(f"if {self.condition(node.condition).code}:")
        self.body(node.block)
        for elseif in node.elseifs:
            self.emit(f"elif {self.condition(elseif.condition).code}:")
            self.body(elseif.block)
        if isinstance(node.else_block, ops.ElseBlock):
            self.emit("else:")
            self.body(node.else_block.block)

    def if_expression(self, node: Any) -> str:
        """``#if`` whose branches only print, as one expression: ``(a if c else b)``."""
        branches = [(node.condition, node.block), *((e.condition, e.block) for e in node.elseifs)]
        otherwise = node.else_block.block if isinstance(node.else_block, ops.ElseBlock) else None
        code = "''" if otherwise is None else self.interpolated(otherwise).code
        chosen = [(self.condition(c).code, self.interpolated(b).code) for c, b in branches]
        for condition, printed in reversed(chosen):
            code = f"({printed} if {condition} else {code})"
        return code

    def condition(self, node: Any) -> Expr:
        return self.expression(inner(node.expression))

    def assignment(self, node: Any) -> None:
        value = self.expression(node.value)
        if not node.terms:
            local, _ = self.variable(node.root_term)
            self.emit(f"{local} = {value.code}")
            return
        held = self.temp()
        self.emit(f"{held} = {value.code}")
        target = self.temp()
        self.emit(f"{target} = {self.root(node.root_term).code}")
        depth = self.depth
        for term in node.terms[:-1]:
            self.emit(f"{target} = _step({target}, {self.term_key(term).code})")
            self.emit(f"if {target} is not None:")
            self.depth += 1
        self.emit(f"_set_key({target}, {self.term_key(node.terms[-1]).code}, {held})")
        self.depth = depth

    def term_key(self, term: Any) -> Expr:
        inner = term.term
        if type(inner) is ops.DotDictAccessTerm:
            return Expr(repr(inner.value), pure=True, constant=True, kind="str")
        return self.value(inner.value)

    def foreach(self, node: Any) -> None:
        variable = node.loop_var_name
        if variable in _LOOP_NAMES:
            raise NotCompiled(f"#foreach variable ${variable}")
        items = self.value(node.value)
        rebound, mutated = self.scan.loops[id(node)]
        start, depth = len(self.lines), self.depth
        loop = Loop(
            next(self.ids),
            variable,
            fast_state="foreach" not in rebound and "foreach" not in mutated,
            fast_count="velocityCount" not in rebound,
            fast_has_next="velocityHasNext" not in rebound,
        )
        try:
            self.loop_body(loop, node.block)
        except StateNeeded as needed:
            if needed.loop is not loop:
                raise
            del self.lines[start:]
            self.depth = depth
            loop = Loop(loop.key, variable, False, loop.fast_count, loop.fast_has_next)
            self.loop_body(loop, node.block)
        self.lines[start:start] = self.loop_header(loop, items.code)

    def loop_body(self, loop: Loop, block: Any) -> None:
        self.loops.append(loop)
        self.depth += 1
        try:
            start = len(self.lines)
            self.block(block)
            self.flush()
            if len(self.lines) == start:
                self.emit("pass")
        finally:
            self.depth -= 1
            self.loops.pop()
            self.pending = []

    def loop_header(self, loop: Loop, items: str) -> list[str]:
        k, pad = loop.key, "    " * self.depth
        header = [f"_it{k} = _loop_items({items})"]
        per_item: list[str] = []
        if not loop.fast_count:
            per_item.append(f"_vc{k} = {loop.index()} + 1")
        if not loop.fast_has_next:
            per_item.append(f"_vh{k} = {loop.has_next()}")
        if not loop.fast_state:
            header.append(f"_f{k} = _st{k} = {{}}")
            index, has_next = loop.index(), loop.has_next()
            per_item.append(
                f"_st{k}.update(count={index} + 1, index={index}, hasNext={has_next}, "
                f"first={index} == 0, last=not {has_next})"
            )
        if loop.uses_last:
            header.append(f"_m{k} = len(_it{k}) - 1")
        if loop.uses_index:
            header.append(f"for _i{k}, _x{k} in enumerate(_it{k}):")
        else:
            header.append(f"for _x{k} in _it{k}:")
        lines = [pad + line for line in header]
        return lines + [pad + "    " + line for line in per_item]

    # --- references and values -------------------------------------------------------

    def reference(self, node: Any) -> Expr:
        """Code of the text ``$x`` / ``${x|alt}`` prints."""
        alternate = None if node.alternate is None else self.value(node.alternate.expression)
        if node.expression is None:
            if alternate is None:
                return Expr(repr(node.my_text()), pure=True, constant=True, kind="str")
            return self.printed(Expr(f"({alternate.code} or '')", pure=alternate.pure))
        value = self.chain(node.expression)
        if alternate is not None:
            held = self.temp()
            code = f"({held} if ({held} := {value.code}) is not None else ({alternate.code} or ''))"
            value = Expr(code, pure=value.pure and alternate.pure)
        return self.printed(value)

    def printed(self, value: Expr) -> Expr:
        if value.kind == "str":
            return value
        held = value.code if value.code.isidentifier() else self.temp()
        bound = held if held == value.code else f"({held} := {value.code})"
        code = (
            f"('' if {bound} is None else {held} if type({held}) is str"
            f" else str({held}) if type({held}) is int else _s({held}))"  # str(int) is java_str(int)
        )
        return Expr(code, pure=value.pure, kind="str")

    def value(self, node: Any) -> Expr:
        kind = type(node)
        if kind is ops.Value:
            return self.value(node.expression)
        if kind is JavaReference:
            if node.expression is None:
                return Expr("_not_callable()")
            return self.chain(node.expression)
        if kind is JavaExpression:
            return self.expression(node)
        if kind is ops.StringLiteral:
            return Expr(repr(node.value), pure=True, constant=True, kind="str")
        if kind in (ops.IntegerLiteral, ops.FloatingPointLiteral, ops.BooleanLiteral, ops.NullLiteral):
            return Expr(repr(node.value), pure=True, constant=True)
        if kind is ops.InterpolatedStringLiteral:
            return self.interpolated(node.block)
        if kind is ops.ParenthesizedExpression:
            return self.expression(inner(node))
        if kind is JavaNot:
            operand = self.value(node.value)
            return Expr(f"(not {operand.code})", pure=operand.pure)
        if kind is JavaArrayLiteral:
            return self.array(node.values)
        if kind is ops.DictionaryLiteral:
            return self.dictionary(node.local_data)
        if kind is ops.Range:
            return self.range(node)
        raise NotCompiled(CONSTRUCTS.get(kind, kind.__name__))

    def interpolated(self, block: Any) -> Expr:
        """``"text $x"``: the text its block prints (references only; no directives)."""
        pieces: list[Expr] = []
        text: list[str] = []
        for child in block.children:
            kind = type(child)
            if kind is ops.Text or kind is ops.FallthroughHashText:
                text.append(child.text)
            elif kind is JavaReference:
                if text:
                    pieces.append(Expr(repr("".join(text)), pure=True, constant=True))
                    text = []
                pieces.append(self.reference(child))
            elif kind is not ops.Comment:
                raise NotCompiled("a directive inside a string literal")
        if text or not pieces:
            pieces.append(Expr(repr("".join(text)), pure=True, constant=True))
        pure = all(piece.pure for piece in pieces)
        if len(pieces) == 1:
            return Expr(pieces[0].code, pure=pure, constant=pieces[0].constant, kind="str")
        return Expr(f"''.join(({', '.join(p.code for p in pieces)},))", pure=pure, kind="str")

    def array(self, values: Any) -> Expr:
        if type(values) is ops.Range:
            return self.range(values)
        items = [self.value(v) for v in values.values] if isinstance(values, ops.ValueList) else []
        pure = all(item.pure for item in items)
        return Expr(f"_JavaList(({''.join(item.code + ', ' for item in items)}))", pure=pure)

    def range(self, node: Any) -> Expr:
        return Expr(f"_range({self.value(node.value1).code}, {self.value(node.value2).code})")

    def dictionary(self, data: dict[Any, Any]) -> Expr:
        pairs = [(self.value(key), self.value(value)) for key, value in data.items()]
        if all(key.constant for key, _ in pairs):
            pure = all(value.pure for _, value in pairs)
            return Expr("{" + "".join(f"{k.code}: {v.code}, " for k, v in pairs) + "}", pure=pure)
        # The interpreter computes each value before its key.
        thunks = "".join(f"(lambda: {v.code}, lambda: {k.code}), " for k, v in pairs)
        return Expr(f"_map_of(({thunks}))")

    def expression(self, node: Any) -> Expr:
        items = node.expression
        if len(items) == 1:
            return self.value(items[0])
        return self.tree(operator_tree(items))

    def tree(self, node: Leaf | Binary) -> Expr:
        if isinstance(node, Leaf):
            return self.value(node.value)
        left, right = self.tree(node.left), self.tree(node.right)
        symbol = operator_symbol(node.operator)
        both_pure = left.pure and right.pure
        pure = both_pure and symbol in _PURE_OPERATORS
        in_order = node.left_first or both_pure or left.constant or right.constant
        if in_order and symbol in ("==", "eq"):
            return Expr(f"({left.code} == {right.code})", pure=both_pure)
        if in_order and symbol in ("!=", "ne"):
            return Expr(f"({left.code} != {right.code})", pure=both_pure)
        if in_order and right.pure and symbol in ("&&", "and"):
            return Expr(f"(not not {left.code} and not not {right.code})", pure=both_pure)
        if in_order and right.pure and symbol in ("||", "or"):
            return Expr(f"(not not {left.code} or not not {right.code})", pure=both_pure)
        operation = self.constant("op", id(node.operator), lambda: node.operator.apply_to)
        if in_order:
            return Expr(f"{operation}({left.code}, {right.code})", pure=pure)
        return Expr(f"_right_first({operation}, {right.code}, {left.code})")

    # --- property chains ---------------------------------------------------------------

    def root(self, name: str) -> Expr:
        """The value of variable ``name`` here."""
        local, loop = self.variable(name)
        if loop is not None and name != loop.variable:
            if name == "velocityCount" and loop.fast_count:
                return Expr(f"({loop.index()} + 1)", pure=True)
            if name == "velocityHasNext" and loop.fast_has_next:
                return Expr(loop.has_next(), pure=True)
            if name == "foreach" and loop.fast_state:
                raise StateNeeded(loop)
            return Expr(local, pure=True)
        if loop is None and name not in self.rebound:
            if name == "input":
                return Expr(local, pure=True, kind="input")
            if name == "util":
                return Expr(local, pure=True, kind="util")
        return Expr(local, pure=True)

    def chain(self, node: Any) -> Expr:
        steps: tuple[Any, ...] = node.steps
        first = steps[0]
        rest = steps[1:]
        plain = first.parameters is None and first.index is None
        _, loop = self.variable(first.name)
        if first.name == "foreach" and loop is not None and loop.variable != "foreach" and loop.fast_state:
            if not (plain and rest and is_property(rest[0])):
                raise StateNeeded(loop)
            current, rest = loop.state(rest[0].name), rest[1:]
        else:
            current = self.root(first.name)
            if first.parameters is not None:
                current = self.then(current, lambda held: self.call_value(held, first.parameters))
            elif first.index is not None:
                key = first.index.index
                current = self.then(current, partial(self.subscript, key_node=key, lazy=False))
        for item in rest:
            if type(item) is JavaNameOrCall and item.parameters is None:
                current = self.property_of(current, item.name)
                if item.index is not None:
                    current = self.then(
                        current, partial(self.subscript, key_node=item.index.index, lazy=False)
                    )
            else:
                current = self.then(current, partial(self.step, item=item))
        return current

    def property_of(self, current: Expr, name: str) -> Expr:
        """``current.name``: null when ``current`` is null. Parsed JSON objects are dicts:
        their test comes first."""
        if current.kind == "input" and name == "body":
            return Expr(f"{current.code}.body", pure=True, kind="str")
        if current.kind in ("input", "util"):
            return Expr(f"_prop({current.code}, {name!r})", pure=current.pure)
        if current.code.isidentifier():
            held = test = current.code
        else:
            held = self.temp()
            test = f"({held} := {current.code})"
        otherwise = f"None if {held} is None else _prop({held}, {name!r})"
        code = f"({held}.get({name!r}) if type({test}) is dict else {otherwise})"
        return Expr(code, pure=current.pure)

    def then(self, current: Expr, apply: Callable[[Expr], Expr]) -> Expr:
        """``apply`` to ``current``, unless ``current`` is null (then the chain is null)."""
        if current.kind in ("input", "util"):
            return apply(current)
        if current.code.isidentifier():  # a local: read it twice, no temporary
            result = apply(Expr(current.code, pure=True))
            code = f"(None if {current.code} is None else {result.code})"
            return Expr(code, pure=current.pure and result.pure)
        held = self.temp()
        result = apply(Expr(held, pure=True))
        code = f"(None if ({held} := {current.code}) is None else {result.code})"
        return Expr(code, pure=current.pure and result.pure, kind=None)

    def step(self, target: Expr, item: Any) -> Expr:
        """A method call or (after a property) a ``[key]`` step on the non-null ``target``."""
        if type(item) is not JavaNameOrCall:  # ``[key]`` after a property: failures give null
            return self.subscript(target, key_node=item.index, lazy=True)
        return self.method(target, item.name, item.parameters)

    def subscript(self, target: Expr, *, key_node: Any, lazy: bool) -> Expr:
        key = self.value(key_node)
        if lazy and not key.pure:
            return Expr(f"_index_lazy({target.code}, lambda: {key.code})")
        return Expr(f"_index({target.code}, {key.code})", pure=key.pure)

    def call_value(self, target: Expr, parameters: Any) -> Expr:
        """``$name(args)``: the variable's value called."""
        args = ", ".join(self.value(v).code for v in arguments(parameters))
        return Expr(f"{target.code}({args})")

    def method(self, target: Expr, name: str, parameters: Any) -> Expr:
        args = [self.value(v) for v in arguments(parameters)]
        codes = ", ".join(a.code for a in args)
        if target.kind == "input" and name in _INPUT_METHODS:
            returns = "str" if name == "json" else None
            literal = literal_text(parameters)
            if name != "params" and literal is not None:
                path = self.jsonpath(literal)
                if path is not None:
                    return Expr(f"{target.code}._{name}_at({path})", kind=returns)
            return Expr(f"{target.code}.{name}({codes})", kind=returns)
        if target.kind == "util" and name in _UTIL_METHODS:
            return Expr(f"{target.code}.{name}({codes})")
        if all(a.pure for a in args):
            call = self.constant("call", name, lambda: rt.caller(name))
            return Expr(f"{call}({target.code}{''.join(', ' + a.code for a in args)})")
        resolve = self.constant("method", name, lambda: rt.resolver(name))
        held = self.temp()
        return Expr(f"(None if ({held} := {resolve}({target.code})) is None else {held}({codes}))")

    def jsonpath(self, expression: str) -> str | None:
        """A constant holding the compiled JSONPath, or None if it does not compile (the
        interpreter fails only when it evaluates it: keep that)."""
        try:
            path = compile_jsonpath(expression)
        except JsonPathError:
            return None
        return self.constant("jsonpath", expression, lambda: path)

    # --- the function ---------------------------------------------------------------------

    def prologue(self) -> list[str]:
        lines = ["_o = []", "_a = _o.append", "_e = _o.extend"]
        for name, local in self.variables.items():
            lines.append(f"{local} = {_INITIAL.get(name, 'None')}")
        return ["    " + line for line in lines]

    def function(self) -> str:
        head = ["def _render(_inputs, _overrides):", *self.prologue()]
        return "\n".join([*head, *self.lines, "    return ''.join(_o)", ""])


_INITIAL: Final = {
    "input": "_InputVar(_inputs)",
    "util": "_UTIL",
    "context": "_context_of(_inputs.context, _overrides)",
    "stageVariables": "_JavaMap(_inputs.stage_variables)",
    "tollwayLiteralDollar": "'$'",
}


@lru_cache(maxsize=1024)
def _code(python: str) -> CodeType:
    """Python's compile of generated code: the same template (many methods, every stage,
    every redeployment) compiles once. Constants live in each template's globals."""
    return compile(python, "<mapping template>", "exec")


def compile_tree(root: Any) -> CompiledCode:
    """Compile the javaified tree of a parsed template (``root``: airspeed's TemplateBody)."""
    compiler = _Compiler(root)
    try:
        compiler.block(root.block)
        compiler.flush()
        python = compiler.function()
        namespace = compiler.globals
        exec(_code(python), namespace)
    except (SyntaxError, RecursionError, MemoryError) as exc:  # nesting beyond Python's limits
        raise NotCompiled(f"nesting too deep for Python ({type(exc).__name__})") from None
    render: Render = namespace["_render"]
    return CompiledCode(render, "context" in compiler.variables, python)
