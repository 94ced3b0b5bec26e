"""Tasks and evaluators bound to examples: which of an example's values each function takes,
found once from its parameter names, and what an evaluator's return value means.

A task takes any of ``input``, ``expected``, ``metadata``, ``example`` and ``context`` (its
:class:`TaskContext`) by name (a lone parameter of another name gets ``input``); an evaluator takes
those but ``context``, and ``output`` (a lone parameter gets ``output``). A sync function is called
in a daemon worker thread (:mod:`groundset._threads`), an async one on the event loop.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

import anyio
from groundset_core import canonicalize

from groundset._experiment_types import EvaluationResult
from groundset._names import check_evaluator_name
from groundset._threads import run_in_daemon_thread

__all__ = [
    "EVALUATOR_PARAMETERS",
    "TASK_PARAMETERS",
    "Bound",
    "Evaluator",
    "Evaluators",
    "NamedEvaluator",
    "Task",
    "TaskContext",
    "as_evaluator",
    "bind_evaluators",
    "bind_task",
    "default_experiment_name",
    "verdict",
]

Task = Callable[..., Any]
Evaluator = Callable[..., Any]
Evaluators = Union[Evaluator, Sequence[Evaluator], Mapping[str, Evaluator]]  # noqa: UP007 - runtime alias on 3.10

TASK_PARAMETERS = ("input", "expected", "metadata", "example", "context")
MAX_TOKENS = 2**63 - 1
"""The most tokens a run may report (the server's bound)."""
MAX_CURRENCY_CHARS = 32


class TaskContext:
    """What a task receives as its parameter named ``context``: the hook to report what its call
    cost, stored with the run (``tokens_in``, ``tokens_out``, ``cost``, ``currency``) and totalled in
    the experiment's summary and in comparisons.

    >>> def answer(input, context):  # doctest: +SKIP
    ...     reply = llm(input["question"])
    ...     context.report_usage(tokens_in=reply.tokens_in, tokens_out=reply.tokens_out, cost=0.002, currency="USD")
    ...     return reply.text
    """

    __slots__ = ("_cost", "_currency", "_failure", "_tokens_in", "_tokens_out")

    def __init__(self) -> None:
        self._tokens_in: int | None = None
        self._tokens_out: int | None = None
        self._cost: float | None = None
        self._currency: str | None = None
        self._failure: Exception | None = None

    def __repr__(self) -> str:
        return (
            f"<TaskContext tokens_in={self._tokens_in} tokens_out={self._tokens_out} "
            f"cost={self._cost} currency={self._currency!r}>"
        )

    def report_usage(
        self,
        *,
        tokens_in: int | None = None,
        tokens_out: int | None = None,
        cost: float | None = None,
        currency: str | None = None,
    ) -> None:
        """Add what one call (of a model, say) used to the run's totals; call it as often as the
        task makes calls: tokens and cost add up.

        Args:
            tokens_in, tokens_out: tokens sent and received, ints >= 0.
            cost: a finite number >= 0, in ``currency``.
            currency: a name of 1 to 32 characters (``"USD"``, ``"EUR"``, ``"credits"``); every
                call of one run names the same one.

        Raises:
            TypeError, ValueError: a bad value, naming the argument. The run then records that
                error (even if the task catches it), as when the task raises.
        """
        try:
            self._add(tokens_in, tokens_out, cost, currency)
        except (TypeError, ValueError) as error:
            if self._failure is None:
                self._failure = error
            raise

    def _add(self, tokens_in: Any, tokens_out: Any, cost: Any, currency: Any) -> None:
        totals = {"tokens_in": self._tokens_in, "tokens_out": self._tokens_out}
        for label, value in (("tokens_in", tokens_in), ("tokens_out", tokens_out)):
            if value is None:
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"report_usage: {label} must be an int, not {type(value).__name__}")
            if value < 0:
                raise ValueError(f"report_usage: {label} must be >= 0, not {value}")
            total = (totals[label] or 0) + value
            if total > MAX_TOKENS:
                raise ValueError(f"report_usage: {label} adds up to {total}, over {MAX_TOKENS}")
            totals[label] = total
        if cost is not None:
            if not isinstance(cost, (int, float)) or isinstance(cost, bool):
                raise TypeError(f"report_usage: cost must be a number, not {type(cost).__name__}")
            if not math.isfinite(cost) or cost < 0:
                raise ValueError(f"report_usage: cost must be a finite number >= 0, not {cost}")
        if currency is not None:
            if not isinstance(currency, str):
                raise TypeError(f"report_usage: currency must be a str, not {type(currency).__name__}")
            if not 1 <= len(currency) <= MAX_CURRENCY_CHARS or "\x00" in currency:
                raise ValueError(
                    f"report_usage: currency must have 1 to {MAX_CURRENCY_CHARS} characters (no U+0000), "
                    f"not {currency!r}"
                )
            # Case-insensitive as the server's totals (it stores currencies in upper case).
            if self._currency is not None and currency.upper() != self._currency.upper():
                raise ValueError(
                    f"report_usage: currency {currency!r} differs from {self._currency!r} reported before "
                    "(a run's cost is in one currency)"
                )
        # Checked whole before anything is added, so a refused call changes nothing.
        self._tokens_in, self._tokens_out = totals["tokens_in"], totals["tokens_out"]
        if cost is not None:
            self._cost = (self._cost or 0.0) + float(cost)
        if currency is not None:
            self._currency = currency.upper()  # as the server stores it

    def _usage(self) -> dict[str, Any]:
        """The run's fields (``tokens_in``, ``tokens_out``, ``cost``, ``currency``)."""
        return {
            "tokens_in": self._tokens_in,
            "tokens_out": self._tokens_out,
            "cost": self._cost,
            "currency": self._currency,
        }

    def _refusal(self) -> Exception | None:
        """The first refused :meth:`report_usage`, if any."""
        return self._failure


@dataclass(frozen=True, slots=True)
class NamedEvaluator:
    """An evaluator function with a name and a version (what :func:`as_evaluator` returns);
    callable as the function itself."""

    function: Callable[..., Any]
    name: str | None = None
    version: str | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)


def _check_label(value: Any, what: str) -> None:
    if value is not None and (not isinstance(value, str) or not value or len(value) > 512 or "\x00" in value):
        raise ValueError(f"{what} must be a non-empty str of at most 512 characters (no U+0000), not {value!r}")


def as_evaluator(
    function: Callable[..., Any], *, name: str | None = None, version: str | None = None
) -> NamedEvaluator:
    """``function`` as an evaluator with a ``name`` (default: the function's name, or its key in a
    mapping of evaluators) and a ``version``: accepted wherever evaluator functions are (in a list
    or a mapping). Its evaluations are stored with ``evaluator_version``, and a rerun with
    ``reuse=`` copies the base's evaluations of this evaluator only when their name and version
    match; an evaluator without a version always runs again.

    Raises :class:`TypeError` if ``function`` is not callable, :class:`ValueError` for a ``name`` or
    ``version`` that is not a non-empty str of at most 512 characters.

    >>> judge = as_evaluator(llm_judge, name="judge", version="rubric-v3")  # doctest: +SKIP
    >>> run_experiment(dataset, answer, [exact, judge], task_version="prompt-v7")  # doctest: +SKIP
    """
    if not callable(function):
        raise TypeError(f"as_evaluator takes a function, not {function!r}")
    _check_label(name, "name=")
    _check_label(version, "version=")
    if isinstance(function, NamedEvaluator):
        return NamedEvaluator(
            function.function,
            name if name is not None else function.name,
            version if version is not None else function.version,
        )
    return NamedEvaluator(function, name, version)


EVALUATOR_PARAMETERS = ("input", "output", "expected", "metadata", "example")


def _name_of(function: Callable[..., Any]) -> str:
    name = getattr(function, "__name__", None)
    if name is None and hasattr(function, "func"):  # functools.partial
        name = getattr(function.func, "__name__", None)
    return str(name or type(function).__name__)


def default_experiment_name(task_name: str) -> str:
    """An experiment's name when none is given: the task function's name, ``"task"`` for a
    lambda (as the TypeScript SDK names an anonymous function's experiment)."""
    return "task" if task_name in ("", "<lambda>") else task_name


def _is_async(function: Callable[..., Any]) -> bool:
    call = getattr(function, "__call__", None)  # noqa: B004 - an object whose __call__ is async
    return inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(call)


class Bound:
    """A task or evaluator with the values it takes, found once from its parameter names."""

    __slots__ = ("function", "is_async", "keywords", "name", "positional", "version")

    positional: tuple[str, ...]
    keywords: tuple[tuple[str, str], ...]

    def __init__(
        self, function: Callable[..., Any], known: tuple[str, ...], lone: str, role: str, name: str | None = None
    ) -> None:
        if not callable(function):
            raise TypeError(f"the {role} must be callable, not {function!r}")
        self.version: str | None = None
        if isinstance(function, NamedEvaluator):
            self.version = function.version
            if name is None:
                name = function.name
            function = function.function
        self.function = function
        self.name = name if name is not None else _name_of(function)
        self.is_async = _is_async(function)
        try:
            signature = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):  # a builtin without a signature: give it the lone value
            self.positional, self.keywords = (lone,), ()
            return
        parameters = [p for p in signature if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        self._bind(parameters, known, lone, role)
        if any(p.kind == p.VAR_KEYWORD for p in signature):
            # `**kwargs` takes every value not given by name already: else `lambda **kw` would
            # silently be called with nothing.
            given = {*self.positional, *(source for _, source in self.keywords)}
            names = {p.name for p in parameters}
            self.keywords += tuple((name, name) for name in known if name not in given and name not in names)

    def _bind(self, parameters: list[inspect.Parameter], known: tuple[str, ...], lone: str, role: str) -> None:
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


def _evaluator_name(function: Callable[..., Any]) -> str:
    if isinstance(function, NamedEvaluator):
        return function.name if function.name is not None else _name_of(function.function)
    return _name_of(function)


def bind_evaluators(evaluators: Evaluators | None) -> list[Bound]:
    if evaluators is None:
        return []
    if isinstance(evaluators, Mapping):
        named = [(str(name), function) for name, function in evaluators.items()]
        for key, function in named:
            if isinstance(function, NamedEvaluator) and function.name not in (None, key):
                raise ValueError(
                    f"evaluator {key!r} is named {function.name!r} by as_evaluator: give one name (the key)"
                )
    elif callable(evaluators):
        named = [(_evaluator_name(evaluators), evaluators)]
    elif isinstance(evaluators, (str, bytes)):
        raise TypeError(
            f"evaluators= takes functions (a list, a mapping {{name: function}} or one function), "
            f"not the string {evaluators!r}"
        )
    else:
        named = [(_evaluator_name(function), function) for function in evaluators]
    bound: list[Bound] = []
    for name, function in named:
        # The server's rule, before the experiment is created: else every task would be called
        # and the first post of runs refused.
        check_evaluator_name(name)
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
        # The score says it all (1 or 0); a label "True" would be a word of one language.
        return _score(result, name), None, None, {}
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
