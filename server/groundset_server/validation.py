"""The rules every request body follows, in one place: members a route does not define are
refused, and text bound for a text column is checked before any database sees it.

- :class:`StrictModel` is the base of every request model: a member the model does not define,
  at any depth of the request's own structure, is a pydantic ``extra_forbidden`` error, answered
  as 422 ``unknown_field`` with the member's JSON path (``$.runs[2].outptu``). User content
  (``input``, ``output``, ``metadata`` and the other ``dict[str, Any]`` fields) is free-form.
- :data:`Name` (dataset, experiment and evaluator names) refuses U+0000: 422 ``invalid_text``.
  PostgreSQL's ``text`` cannot hold it and SQLite's can, so both refuse it to answer the same.
- :data:`TagName` (a version's tag): a name of 1 to :data:`MAX_NAME_CHARS` characters that is
  not only whitespace nor all ASCII digits (a version id), holds no ``/`` and is not ``.`` or
  ``..`` (it is a URL path segment): 422 ``invalid_tag`` (``invalid_text`` for U+0000).
  :func:`tag_refusal` is the rule, for query and path parameters too; a tag being set
  (:data:`NewTagName`) also has no white space at either end and no control character.
- :data:`NewExperimentName` (a new experiment's name): :data:`Name`, not empty, no white space at
  either end and no control character, as a dataset's name: 422 ``invalid_name``.
- :data:`FreeText` (descriptions, a run's error, an evaluation's label or explanation) accepts
  any Unicode scalar value, U+0000 included; the table layer stores it so that it reads back
  exactly on both databases (``db.tables.FreeText``).
- Both refuse a lone surrogate (``"\\ud800"`` in a JSON body), which no UTF-8 column can hold:
  422 ``lone_surrogate``.

:func:`request_problem` turns pydantic's errors into the one problem answered (RFC 9457).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

import groundset_core
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from groundset_server.problems import Problem

NUL = "\x00"
MAX_NAME_CHARS: int = groundset_core.MAX_NAME_CHARS
"""The longest name, in characters (Unicode scalar values), as the SDKs count them: 512."""


class StrictModel(BaseModel):
    """A request model: unknown members are refused (``unknown_field``), never ignored."""

    model_config = ConfigDict(extra="forbid")


def _well_formed(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        # Formatted here: pydantic's template takes no format spec, and printed `{code:04X}` as is.
        code, index = ord(value[error.start]), error.start
        reason = f"the text holds a lone surrogate (U+{code:04X}) at character {index}"
        raise PydanticCustomError("lone_surrogate", "{reason}", {"reason": reason}) from None
    return value


def _name(value: str) -> str:
    if NUL in value:
        raise PydanticCustomError(
            "invalid_text",
            "a name must not contain U+0000 (character {index})",
            {"index": value.index(NUL)},
        )
    return _well_formed(value)


Name = Annotated[str, AfterValidator(_name)]
"""An identifier or name stored in a text column: no U+0000, no lone surrogate."""


_SEGMENT = re.compile(r'\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\]')
SHOWN_SEGMENTS = 8
"""The segments of a long JSON path that a message shows (:func:`short_path`)."""


def short_path(path: str) -> str:
    """``path`` (a JSONPath ``$...``) for a message: a path of more than twice
    :data:`SHOWN_SEGMENTS` segments (a value nested 129 deep) as its first ones, "…" and their
    count, ``$.examples[0].input.d[0][0][0][0]… (132 segments)``; the problem's ``path`` member
    keeps it whole."""
    segments = _SEGMENT.findall(path, 1)
    if len(segments) <= 2 * SHOWN_SEGMENTS or "".join(segments) != path[1:]:
        return path
    return f"${''.join(segments[:SHOWN_SEGMENTS])}… ({len(segments)} segments)"


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def shape_refusal(value: str, what: str) -> str | None:
    """Why ``value`` cannot be a new name of its kind (``what``: "a dataset name", "a tag"), or
    None: white space at either end or a control character (C0, DEL, C1) anywhere, each named
    with its code point and character index. Such names print as another name (" qa" beside
    "qa", an ESC that recolours a terminal) and cannot be told apart in a listing; a name made
    so before stays reachable by its id or listing, so only new names are checked."""
    for index, char in enumerate(value):
        if _is_control(char):
            return f"{what} must not contain a control character (U+{ord(char):04X} at character {index})"
    if value and value[0].isspace():
        return f"{what} must not begin with white space (U+{ord(value[0]):04X} at character 0)"
    if value and value[-1].isspace():
        index = len(value) - 1
        return f"{what} must not end with white space (U+{ord(value[-1]):04X} at character {index})"
    return None


def tag_refusal(value: str) -> tuple[str, str] | None:
    """Why ``value`` cannot name a tag, as ``(code, reason)``, or None when it can:
    ``invalid_text`` (U+0000), ``lone_surrogate``, ``invalid_tag`` (empty, longer than
    :data:`MAX_NAME_CHARS`, only whitespace, all ASCII digits, or holding ``/``)."""
    if NUL in value:
        return "invalid_text", f"a tag must not contain U+0000 (character {value.index(NUL)})"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        return "lone_surrogate", f"the tag holds a lone surrogate at character {error.start}"
    if not value:
        return "invalid_tag", "a tag must not be empty"
    if value.isspace():
        return "invalid_tag", "a tag must not be only whitespace"
    if len(value) > MAX_NAME_CHARS:
        return "invalid_tag", f"a tag has at most {MAX_NAME_CHARS} characters, not {len(value)}"
    if value.isascii() and value.isdigit():
        return "invalid_tag", f"a tag must not be all digits: {value!r} would read as a version id"
    if "/" in value:
        return "invalid_tag", f"a tag must not contain '/' (character {value.index('/')})"
    if value in (".", ".."):
        # A dot segment: every HTTP client folds `tags/..` into the dataset's own URL.
        return "invalid_tag", f"a tag must not be {value!r}, which a URL reads as a path step"
    return None


def new_tag_refusal(value: str) -> tuple[str, str] | None:
    """:func:`tag_refusal`, and for a tag being set, :func:`shape_refusal` (``invalid_tag``)."""
    refusal = tag_refusal(value)
    if refusal is not None:
        return refusal
    shape = shape_refusal(value, "a tag")
    return None if shape is None else ("invalid_tag", shape)


def _tag_validator(rule: Callable[[str], tuple[str, str] | None]) -> AfterValidator:
    def check(value: str) -> str:
        refusal = rule(value)
        if refusal is not None:
            code, reason = refusal
            raise PydanticCustomError(code, "{reason}", {"reason": reason})
        return value

    return AfterValidator(check)


TagName = Annotated[str, _tag_validator(tag_refusal)]
"""A version's tag, as read (:func:`tag_refusal`)."""

NewTagName = Annotated[str, _tag_validator(new_tag_refusal)]
"""A version's tag being set (:func:`new_tag_refusal`)."""


def experiment_name_refusal(value: str) -> str | None:
    """Why ``value`` cannot name a new experiment, or None: empty, or :func:`shape_refusal`'s
    white space at an end or control character (the rule of a dataset's name). An experiment
    named so before stays readable, by id and in listings filtered by its name."""
    if not value:
        return "an experiment name must not be empty"
    return shape_refusal(value, "an experiment name")


def _new_experiment_name(value: str) -> str:
    refusal = experiment_name_refusal(value)
    if refusal is not None:
        raise PydanticCustomError("invalid_name", "{reason}", {"reason": refusal})
    return value


NewExperimentName = Annotated[str, AfterValidator(_name), AfterValidator(_new_experiment_name)]
"""A new experiment's name: :data:`Name`, and :func:`experiment_name_refusal`'s rule (422
``invalid_name``)."""

FreeText = Annotated[str, AfterValidator(_well_formed)]
"""Free text stored exactly (U+0000 included): no lone surrogate."""


class TimedModel(StrictModel):
    """A request model with ``start_time`` and ``end_time`` (each optional): an end before the
    start is refused, 422 ``invalid_time_range`` at ``end_time``, rather than stored with no
    latency. A time without a zone is UTC, as the stored times take it."""

    @field_validator("end_time", check_fields=False)
    @classmethod
    def _end_not_before_start(cls, end: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start_time")
        if end is not None and isinstance(start, datetime) and _utc(end) < _utc(start):
            raise PydanticCustomError(
                "invalid_time_range",
                "{end} is before `start_time` {start}",
                {"end": end.isoformat(), "start": start.isoformat()},
            )
        return end


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


_OWN_CODES = (
    "unknown_field",
    "invalid_text",
    "lone_surrogate",
    "invalid_tag",
    "invalid_name",
    "invalid_time_range",
)
"""Error types answered with their own problem code, in this order of precedence."""


def json_path(loc: Sequence[int | str]) -> str:
    """``("runs", 2, "output")`` as ``$.runs[2].output``."""
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc)


def _code(error: Any) -> str:
    return "unknown_field" if error["type"] == "extra_forbidden" else str(error["type"])


def request_problem(errors: Sequence[Any]) -> Problem:
    """The 422 for validation ``errors`` (pydantic's; FastAPI's locations start with where the
    value came from, ``"body"``, ``"query"`` or ``"path"``). An unknown member comes first, then
    text that cannot be stored; anything else is ``invalid_request``. Members: ``path`` (JSON
    path in the body of the first error of the chosen code), ``errors`` (at most ten, each
    ``{loc, code, msg}`` and ``path`` when in the body). The detail names the first error
    (```$.repetitions`: must be at most 1000 (and 2 more errors)``)."""
    listed = [_item(error) for error in errors]
    for code in _OWN_CODES:
        found = [item for item in listed if item["code"] == code and "path" in item]
        if found:
            first = found[0]
            detail = (
                f"`{first['path']}` is not a member of this request"
                if code == "unknown_field"
                else f"`{first['path']}`: {first['msg']}"
            )
            if len(found) > 1:
                detail += f" (and {len(found) - 1} more)"
            return Problem(422, code, detail, path=first["path"], errors=found[:10])
    if not listed:
        return Problem(422, "invalid_request", "the request is not valid", errors=[])
    head = listed[0]
    if head["code"] == "json_invalid":
        # FastAPI locates a JSON syntax error by its character offset, not by a JSON path.
        offset = head["loc"][-1] if head["loc"] else "?"
        return Problem(
            422, "invalid_request", f"the body is not valid JSON (at character {offset})", errors=listed[:1]
        )
    detail = f"{_where(head)}: {_reason(head['msg'])}"
    if len(listed) > 1:
        detail += f" (and {len(listed) - 1} more error{'s' if len(listed) > 2 else ''})"
    return Problem(422, "invalid_request", detail, path=head.get("path"), errors=listed[:10])


_REWORDED = (
    ("Input should be less than or equal to ", "must be at most "),
    ("Input should be greater than or equal to ", "must be at least "),
    ("Input should be ", "must be "),
    ("Value error, ", ""),
)


def _where(item: dict[str, Any]) -> str:
    """```$.runs[0].repetition_number``` in the body, ``query parameter `limit``` outside it."""
    if "path" in item:
        return f"`{item['path']}`"
    where, *names = item["loc"] or ["request"]
    return f"{where} parameter `{'.'.join(str(name) for name in names)}`" if names else str(where)


def _reason(msg: str) -> str:
    """pydantic's message as the rest of the problems word theirs."""
    if msg == "Field required":
        return "is required"
    for said, meant in _REWORDED:
        if msg.startswith(said):
            return meant + msg[len(said) :]
    return msg[:1].lower() + msg[1:]


_OUTSIDE_BODY = ("query", "path", "header", "cookie")


def _message(error: Any) -> str:
    """pydantic's message, a text's length said in characters: a constrained ``str`` with a
    validator is measured "after validation" as if it were a list of items."""
    given, limits = error.get("input"), error.get("ctx") or {}
    if (
        error.get("type") in ("too_long", "string_too_long")
        and isinstance(given, str)
        and "max_length" in limits
    ):
        return f"Value should have at most {limits['max_length']} characters, not {len(given)}"
    return str(error.get("msg", ""))


def _item(error: Any) -> dict[str, Any]:
    loc = list(error.get("loc", ()))
    item: dict[str, Any] = {"loc": loc, "code": _code(error), "msg": _message(error)}
    if not loc or loc[0] not in _OUTSIDE_BODY:
        item["path"] = json_path(loc[1:] if loc and loc[0] == "body" else loc)
    return item


def check_model(model: type[BaseModel], value: Any) -> Problem | None:
    """The problem for ``value`` as a ``model``, or None when it is valid."""
    try:
        model.model_validate(value)
    except ValidationError as error:
        return request_problem(error.errors())
    return None


def check_name(value: str, parameter: str) -> None:
    """A name given as a query parameter: refused with ``invalid_text`` when it holds U+0000."""
    if NUL in value:
        raise Problem(
            422,
            "invalid_text",
            f"the query parameter `{parameter}` must not contain U+0000",
            parameter=parameter,
        )
