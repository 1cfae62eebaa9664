"""Java-Velocity semantics on top of airspeed's syntax tree.

airspeed parses Velocity well but evaluates a few things the Python way. After parsing,
``javaify`` swaps the class of the affected nodes (no global patching of airspeed):

* references print with Java's ``toString`` (``{a=1}``, ``[a, b]``, ``1.0E20``);
* ``$x.name`` reads a map key, then a Java method of strings/lists/maps, then a public
  attribute of our own objects (``$input``, ``$util``); Python internals stay hidden;
* ``#if($undefined)`` is false and ``#if(!$undefined)`` true, as in Velocity;
* ``#foreach`` over a map iterates its values, skips non-iterables, and stops after
  ``FOREACH_LIMIT`` (1000, the AWS limit) iterations, like Velocity's
  ``directive.foreach.maxloops``: later items are silently not rendered;
* ``#set($a.b[$k].c = v)`` walks maps and lists; when a step is missing (or not a
  container) nothing is set, as Velocity logs and goes on, instead of failing the request.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from types import MethodType
from typing import Any, Final

from airspeed import operators as ops

from tollway.dataplane.mapping.java_methods import java_method
from tollway.dataplane.mapping.values import JavaList, java_str

__all__ = ["FOREACH_LIMIT", "children", "in_range", "javaify", "loop_items", "step"]

FOREACH_LIMIT: Final = 1000


_NOT_FOUND: Final = object()


def _method(target: Any, name: str) -> Any:
    """What ``$target.name(...)`` calls: a Java method, or a method of our own objects."""
    if isinstance(target, ops.LocalNamespace):
        return _namespace_get(target, name)
    if isinstance(target, (str, list, dict)):
        return java_method(target, name)
    if name.startswith("_") or isinstance(target, (int, float)):
        return None
    return getattr(target, name, None)


def _property(target: Any, name: str) -> Any:
    """What ``$target.name`` reads: a map key, or a public attribute of our own objects."""
    if isinstance(target, ops.LocalNamespace):
        return _namespace_get(target, name)
    if isinstance(target, dict):
        return target.get(name)
    if name.startswith("_") or isinstance(target, (str, list, int, float)):
        return None
    return getattr(target, name, None)


def _namespace_get(namespace: Any, name: str) -> Any:
    # Walks the scope chain with dict.get: airspeed's own lookup raises and catches a
    # KeyError per scope level, which dominates render time inside #foreach.
    while isinstance(namespace, ops.LocalNamespace):
        value = dict.get(namespace, name, _NOT_FOUND)
        if value is not _NOT_FOUND:
            return value
        namespace = namespace.parent
    return namespace.get(name)


class JavaNameOrCall(ops.NameOrCall):  # type: ignore[misc]
    """``$a.name`` / ``$a.name(args)`` / ``$a.name[i]`` with Java lookup rules."""

    def calculate(self, current_object: Any, loader: Any, top_namespace: Any) -> Any:
        if self.parameters is not None:
            method = _method(current_object, self.name)
            if method is None:
                return None
            if isinstance(method, ops._FunctionDefinition):  # #define/#macro: airspeed's path
                return super().calculate(current_object, loader, top_namespace)
            return method(*self.parameters.calculate(top_namespace, loader))
        # _property inlined: this runs for every step of every reference.
        if isinstance(current_object, ops.LocalNamespace):
            result = _namespace_get(current_object, self.name)
            if isinstance(result, ops._FunctionDefinition):  # only scopes hold macros
                return super().calculate(current_object, loader, top_namespace)
        elif isinstance(current_object, dict):
            result = current_object.get(self.name)
        else:
            result = _property(current_object, self.name)
        if result is None:
            return None
        if self.index is not None:
            index = self.index.calculate(top_namespace, loader)
            try:
                return result[index]
            except (LookupError, TypeError):
                return None
        return result


class JavaVariableExpression(ops.VariableExpression):  # type: ignore[misc]
    """``name.name(args)[index]...`` evaluated as a flat loop over its steps.

    airspeed evaluates a dotted reference recursively (VariableExpression ->
    SubExpression -> VariableExpression...); the loop is the same semantics with fewer
    calls, and stops at the first null (Velocity: ``$null.anything`` is null).
    """

    steps: tuple[Any, ...] = ()

    def calculate(self, namespace: Any, loader: Any, global_namespace: Any = None) -> Any:
        top = namespace if global_namespace is None else global_namespace
        value = namespace
        for step in self.steps:
            if type(step) is JavaNameOrCall:
                value = step.calculate(value, loader, top)
            else:  # an ArrayIndex: $a[0], $map['key']
                try:
                    value = value[step.calculate(top, loader)]
                except (LookupError, TypeError):
                    return None
            if value is None:
                return None
        return value


def _flatten(expression: Any) -> tuple[Any, ...]:
    steps: list[Any] = []
    node = expression
    while node is not None:
        if isinstance(node, ops.VariableExpression):
            steps.append(node.part)
            node = node.subexpression
        elif isinstance(node.expression, ops.ArrayIndex):  # SubExpression "[i]..."
            steps.append(node.expression)
            node = node.subexpression
        else:  # SubExpression ".name..."
            node = node.expression
    return tuple(steps)


class JavaArrayLiteral(ops.ArrayLiteral):  # type: ignore[misc]
    """``[a, b]`` in a template builds an ``ArrayList`` (prints ``[a, b]``)."""

    def calculate(self, namespace: Any, loader: Any) -> Any:
        result = self.values.calculate(namespace, loader)
        return JavaList(result) if isinstance(result, list) else result


class JavaReference(ops.FormalReference):  # type: ignore[misc]
    """``$x`` / ``${x}`` / ``$!x``: null renders empty (AWS), values print as Java."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        value = None
        if self.expression is not None:
            value = self.expression.calculate(namespace, loader)
        if value is None:
            if self.alternate is not None:
                value = self.alternate.calculate(namespace, loader) or ""
            elif self.expression is not None:
                value = ""
            else:
                value = self.my_text()
        stream.write(value if isinstance(value, str) else java_str(value))


class JavaCondition(ops.Condition):  # type: ignore[misc]
    """``#if``/``#elseif`` condition: null and false are false, everything else Java truth."""

    def calculate(self, namespace: Any, loader: Any) -> bool:
        return bool(self.expression.calculate(namespace, loader))


class JavaNot(ops.UnaryOperatorValue):  # type: ignore[misc]
    """``!x``: true when x is null or false."""

    def calculate(self, namespace: Any, loader: Any) -> bool:
        return not self.value.calculate(namespace, loader)


class JavaForeach(ops.ForeachDirective):  # type: ignore[misc]
    """``#foreach`` with Velocity's map, non-iterable and max-loops behaviour."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        items = loop_items(self.value.calculate(namespace, loader))
        length = len(items)
        local = _LoopScope(namespace)
        state: dict[str, Any] = {}
        local["foreach"] = state
        evaluate = self.block.evaluate_raw  # children wrap their own errors
        for index, item in enumerate(items):
            count = index + 1
            has_next = count < length
            local["velocityCount"] = count
            local["velocityHasNext"] = has_next
            state["count"] = count
            state["index"] = index
            state["hasNext"] = has_next
            state["first"] = index == 0
            state["last"] = not has_next
            local[self.loop_var_name] = item
            evaluate(stream, local, loader)


class JavaAssignment(ops.Assignment):  # type: ignore[misc]
    """``#set($x = v)`` / ``#set($x.a["b"] = v)``: a missing step sets nothing (Velocity)."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        value = self.value.calculate(namespace, loader)
        if not self.terms:
            namespace.set_inherited(self.root_term, value)
            return
        target = _namespace_get(namespace, self.root_term)
        for term in self.terms[:-1]:
            target = step(target, term.calculate(namespace, loader))
            if target is None:
                return
        key = self.terms[-1].calculate(namespace, loader)
        if isinstance(target, dict) or in_range(target, key):
            target[key] = value


def step(target: Any, key: Any) -> Any:
    """One inner step of ``#set($a.b[k].c = v)``: a map's value, a list's item, else null."""
    if isinstance(target, dict):
        return target.get(key)
    return target[key] if in_range(target, key) else None


def in_range(target: Any, key: Any) -> bool:
    """True when ``target`` is a list and ``key`` one of its indexes."""
    return isinstance(target, list) and type(key) is int and -len(target) <= key < len(target)


class JavaBlock(ops.Block):  # type: ignore[misc]
    """A run of template elements; plain text is written without a method call per node."""

    def evaluate_raw(self, stream: Any, namespace: Any, loader: Any) -> None:
        write = stream.write
        for child in self.children:
            if type(child) is ops.Text:
                write(child.text)
            else:
                child.evaluate(stream, namespace, loader)


class _LoopScope(ops.LocalNamespace):  # type: ignore[misc]
    """The scope of one ``#foreach``: holds only the loop variables.

    Java Velocity has no block scopes: a ``#set`` inside a loop is visible in later
    iterations and after the loop, so assignments go to the enclosing scope.
    """

    def set_inherited(self, key: str, value: Any) -> None:
        if dict.__contains__(self, key):
            self[key] = value
        else:
            self.parent.set_inherited(key, value)


class JavaExpression(ops.Expression):  # type: ignore[misc]
    """airspeed's expression evaluator, short-cut for the common single-value case."""

    def calculate(self, namespace: Any, loader: Any) -> Any:
        if len(self.expression) == 1:
            return self.expression[0].calculate(namespace, loader)
        return super().calculate(namespace, loader)


def loop_items(value: Any) -> list[Any]:
    """What ``#foreach`` iterates: a map's values, nothing for null, strings and scalars, at
    most ``FOREACH_LIMIT`` items (taken before the first iteration)."""
    if isinstance(value, list):
        return value[:FOREACH_LIMIT]  # a copy: the loop does not see the body's changes
    if isinstance(value, Mapping):
        value = value.values()
    elif value is None or isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return []
    return list(islice(value, FOREACH_LIMIT))


_SWAPS: Final[dict[type, type]] = {
    ops.NameOrCall: JavaNameOrCall,
    ops.VariableExpression: JavaVariableExpression,
    ops.ArrayLiteral: JavaArrayLiteral,
    ops.FormalReference: JavaReference,
    ops.Condition: JavaCondition,
    ops.UnaryOperatorValue: JavaNot,
    ops.ForeachDirective: JavaForeach,
    ops.Expression: JavaExpression,
    ops.Block: JavaBlock,
    ops.Assignment: JavaAssignment,
}


def javaify(node: Any) -> None:
    """Swap, in place, every node of the tree under ``node`` to its Java-semantics class."""
    stack = [node]
    seen: list[Any] = []
    while stack:
        current = stack.pop()
        seen.append(current)
        replacement = _SWAPS.get(type(current))
        if replacement is not None:
            current.__class__ = replacement
            if replacement is JavaArrayLiteral:
                # ArrayLiteral stores its calculate on the instance; let the class one win.
                del current.__dict__["calculate"]
        stack.extend(children(current))
    for current in seen:
        _rebind(current)
        if type(current) is ops.BinaryOperator:
            current.apply_to = _null_safe(current.apply_to)
        if type(current) is JavaVariableExpression:
            current.steps = _flatten(current)


def _null_safe(operation: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """Velocity operators never throw: a comparison with null (or a mismatched type) is
    false, arithmetic with null or a division by zero is null, and ``+`` with a string
    concatenates."""

    def apply(left: Any, right: Any) -> Any:
        try:
            return operation(left, right)
        except (TypeError, ZeroDivisionError):
            if operation is operator.add and (isinstance(left, str) or isinstance(right, str)):
                return java_str(left) + java_str(right)
            return False if operation in _COMPARISONS else None

    return apply


_COMPARISONS: Final = (operator.lt, operator.le, operator.gt, operator.ge)


def _rebind(node: Any) -> None:
    # Some nodes keep a bound method of a child (self.calculate = child.calculate),
    # captured before the child's class was swapped: bind it again.
    for attribute, value in list(vars(node).items()):
        if isinstance(value, MethodType) and isinstance(value.__self__, ops._Element):
            setattr(node, attribute, getattr(value.__self__, value.__func__.__name__))


_LEAVES: Final = frozenset({str, int, bool, float, type(None)})


def children(node: Any) -> list[Any]:
    """The syntax-tree nodes directly under ``node``, each once."""
    found: list[Any] = []
    for value in vars(node).values():
        if type(value) in _LEAVES:  # text, positions, flags: most attributes
            continue
        if isinstance(value, ops._Element):
            if not any(value is seen for seen in found):
                found.append(value)
        elif isinstance(value, MethodType) and isinstance(value.__self__, ops._Element):
            # Some nodes keep only a bound method of their child (self.calculate = ...), some
            # (references) the child and its bound method: a walk must not see it twice.
            owner = value.__self__
            if not any(owner is seen for seen in found):
                found.append(owner)
        elif isinstance(value, list):
            found.extend(v for v in value if isinstance(v, ops._Element))
        elif isinstance(value, dict):
            for key, item in value.items():
                found.extend(v for v in (key, item) if isinstance(v, ops._Element))
    return found
