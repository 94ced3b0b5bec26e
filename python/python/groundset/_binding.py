"""Tasks and evaluators bound to examples: which of an example's values each function takes,
found once from its parameter names, and what an evaluator's return value means.

A task takes any of ``input``, ``expected``, ``metadata``, ``example`` by name (a lone parameter
of another name gets ``input``); an evaluator takes those and ``output`` (a lone parameter gets
``output``). A sync function is called in a daemon worker thread (:mod:`groundset._threads`), an
async one on the event loop.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Union

import anyio
from groundset_core import canonicalize

from groundset._experiment_types import EvaluationResult
from groundset._threads import run_in_daemon_thread

__all__ = [
    "EVALUATOR_PARAMETERS",
    "TASK_PARAMETERS",
    "Bound",
    "Evaluator",
    "Evaluators",
    "Task",
    "bind_evaluators",
    "bind_task",
    "verdict",
]

Task = Callable[..., Any]
Evaluator = Callable[..., Any]
Evaluators = Union[Evaluator, Sequence[Evaluator], Mapping[str, Evaluator]]  # noqa: UP007 - runtime alias on 3.10

TASK_PARAMETERS = ("input", "expected", "metadata", "example")
EVALUATOR_PARAMETERS = ("input", "output", "expected", "metadata", "example")


def _name_of(function: Callable[..., Any]) -> str:
    name = getattr(function, "__name__", None)
    if name is None and hasattr(function, "func"):  # functools.partial
        name = getattr(function.func, "__name__", None)
    return str(name or type(function).__name__)


def _is_async(function: Callable[..., Any]) -> bool:
    call = getattr(function, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call)


class Bound:
    """A task or evaluator with the values it takes, found once from its parameter names."""

    __slots__ = ("function", "is_async", "keywords", "name", "positional")

    positional: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]

    def __init__(
        self, function: Callable[..., Any], known: tuple[str, ...], lone: str, role: str, name: str | None = None
    ) -> None:
        if not callable(function):
            raise TypeError(f"the {role} must be callable, not {function!r}")
        self.function = function
        self.name = name if name is not None else _name_of(function)
        self.is_async = _is_async(function)
        try:
            parameters = [
                p
                for p in inspect.signature(function).parameters.values()
                if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
            ]
        except (TypeError, ValueError):  # a builtin without a signature: give it the lone value
            self.positional, self.keywords = (lone,), ()
            return
        named = [p for p in parameters if p.name in known]
        if not named and len(parameters) == 1:
            only = parameters[0]
            self.positional = (lone,) if only.kind == only.POSITIONAL_ONLY else ()
            self.keywords = () if self.positional else ((only.name, lone),)
            return
        unknown = [p.name for p in parameters if p.name not in known and p.default is p.empty]
        if unknown:
            raise TypeError(
                f"{role} {self.name!r}: parameter {unknown[0]!r} is not one of {', '.join(known)} "
                f"({role}s take any of those by name, or one parameter of another name, which gets `{lone}`)"
            )
        self.positional = tuple(p.name for p in named if p.kind == p.POSITIONAL_ONLY)
        self.keywords = tuple((p.name, p.name) for p in named if p.kind != p.POSITIONAL_ONLY)

    async def __call__(self, values: Mapping[str, Any], limiter: anyio.CapacityLimiter) -> Any:
        args = [values[name] for name in self.positional]
        kwargs = {parameter: values[source] for parameter, source in self.keywords}
        if self.is_async:
            return await self.function(*args, **kwargs)
        # A daemon thread: a call abandoned on timeout must not keep the interpreter alive.
        result = await run_in_daemon_thread(lambda: self.function(*args, **kwargs), limiter)
        if inspect.isawaitable(result):  # a sync function that returned a coroutine
            result = await result
        return result


def bind_task(task: Task) -> Bound:
    """``task`` bound by its parameter names; :class:`TypeError` if it cannot be."""
    return Bound(task, TASK_PARAMETERS, "input", "task")


def bind_evaluators(evaluators: Evaluators | None) -> list[Bound]:
    if evaluators is None:
        return []
    if isinstance(evaluators, Mapping):
        named = [(str(name), function) for name, function in evaluators.items()]
    elif callable(evaluators):
        named = [(_name_of(evaluators), evaluators)]
    else:
        named = [(_name_of(function), function) for function in evaluators]
    bound: list[Bound] = []
    for name, function in named:
        evaluator = Bound(function, EVALUATOR_PARAMETERS, "output", "evaluator", name)
        if any(other.name == name for other in bound):
            raise ValueError(f"two evaluators are named {name!r}: give them as a mapping {{name: function}}")
        bound.append(evaluator)
    return bound


def _score(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (int, float)):  # a numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if not isinstance(value, (int, float)):
        raise TypeError(f"evaluator {name!r}: the score must be a number or a bool, not {type(value).__name__}")
    score = float(value)
    if not math.isfinite(score):
        raise ValueError(f"evaluator {name!r}: the score {score} is not finite")
    return score


def _optional_text(value: Any, what: str, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise TypeError(f"evaluator {name!r}: the {what} must be a str, not {type(value).__name__}")
    return value


RESULT_KEYS = frozenset({"score", "label", "explanation", "metadata"})


def verdict(result: Any, name: str) -> tuple[float | None, str | None, str | None, dict[str, Any]]:
    """(score, label, explanation, metadata) of what an evaluator returned."""
    if hasattr(result, "item") and not isinstance(result, (int, float, str)):
        result = result.item()
    if isinstance(result, bool):
        return _score(result, name), str(result), None, {}
    if isinstance(result, (int, float)):
        return _score(result, name), None, None, {}
    if isinstance(result, str):
        return None, result, None, {}
    if isinstance(result, EvaluationResult):
        parts: Mapping[str, Any] = {
            "score": result.score,
            "label": result.label,
            "explanation": result.explanation,
            "metadata": result.metadata,
        }
    elif isinstance(result, Mapping):
        unknown = sorted(str(key) for key in result if key not in RESULT_KEYS)
        if unknown:
            raise ValueError(
                f"evaluator {name!r} returned a dict with the key(s) {', '.join(unknown)}; "
                "use score, label, explanation and metadata"
            )
        parts = result
    else:
        raise TypeError(
            f"evaluator {name!r} returned {type(result).__name__}; return a bool, a number, a str (a label), "
            "a dict or an EvaluationResult"
        )
    metadata = parts.get("metadata")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"evaluator {name!r}: the metadata must be a dict, not {type(metadata).__name__}")
    metadata = dict(metadata or {})
    canonicalize(metadata)  # refuses what is not JSON, naming the path
    return (
        _score(parts.get("score"), name),
        _optional_text(parts.get("label"), "label", name),
        _optional_text(parts.get("explanation"), "explanation", name),
        metadata,
    )
