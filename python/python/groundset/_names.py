"""The server's rules for the names an experiment run sends, checked before anything is created:
an evaluator's name (as ``evaluations[].name``) and a new experiment's name, refused with the
server's code and words (:class:`~groundset.ValidationError`), so a bad name costs no task call
and leaves no experiment behind. The server stays the authority; these repeat its rules
(``groundset_server.validation``) and the TypeScript SDK's ``names.ts`` repeats them too."""

from __future__ import annotations

from groundset_core import MAX_NAME_CHARS

from groundset._format import shown
from groundset.errors import ValidationError

__all__ = ["check_evaluator_name", "check_experiment_name"]


def _text_refusal(value: str) -> tuple[str, str] | None:
    """A stored name's rule: no U+0000 (``invalid_text``), no lone surrogate (``lone_surrogate``)."""
    if "\x00" in value:
        return "invalid_text", f"a name must not contain U+0000 (character {value.index(chr(0))})"
    for index, char in enumerate(value):
        if 0xD800 <= ord(char) <= 0xDFFF:
            return "lone_surrogate", f"the text holds a lone surrogate (U+{ord(char):04X}) at character {index}"
    return None


def _is_control(char: str) -> bool:
    code = ord(char)
    return code < 0x20 or 0x7F <= code <= 0x9F


def _shape_refusal(value: str, what: str) -> str | None:
    """White space at either end or a control character (C0, DEL, C1), as the server words it."""
    for index, char in enumerate(value):
        if _is_control(char):
            return f"{what} must not contain a control character (U+{ord(char):04X} at character {index})"
    if value and value[0].isspace():
        return f"{what} must not begin with white space (U+{ord(value[0]):04X} at character 0)"
    if value and value[-1].isspace():
        return f"{what} must not end with white space (U+{ord(value[-1]):04X} at character {len(value) - 1})"
    return None


def _refuse(code: str, detail: str, value: str) -> None:
    raise ValidationError(detail, status=422, code=code, problem={"code": code, "detail": detail, "name": value})


def check_evaluator_name(name: str) -> None:
    """``name`` as an evaluator's name, or :class:`~groundset.ValidationError`: empty or over
    :data:`MAX_NAME_CHARS` characters (``invalid_request``), U+0000 (``invalid_text``), a lone
    surrogate (``lone_surrogate``); the detail names the evaluator."""
    if not name:
        refusal: tuple[str, str] | None = ("invalid_request", "string should have at least 1 character")
    elif len(name) > MAX_NAME_CHARS:
        refusal = ("invalid_request", f"value should have at most {MAX_NAME_CHARS} characters, not {len(name)}")
    else:
        refusal = _text_refusal(name)
    if refusal is not None:
        code, reason = refusal
        _refuse(code, f"evaluator {shown(name)}: `evaluations[].name`: {reason}", name)


def check_experiment_name(name: str, label: str = "experiment_name") -> None:
    """``name`` as a new experiment's name, or :class:`~groundset.ValidationError`
    ``invalid_name`` (empty, white space at either end, a control character: a dataset name's
    rule), ``invalid_request`` (over :data:`MAX_NAME_CHARS` characters), ``invalid_text``,
    ``lone_surrogate``; the detail is the server's, ```experiment_name`: ...``."""
    if not isinstance(name, str):
        raise TypeError(f"{label}= must be a str, not {type(name).__name__}")
    refusal = _text_refusal(name)
    if refusal is None and len(name) > MAX_NAME_CHARS:
        refusal = ("invalid_request", f"value should have at most {MAX_NAME_CHARS} characters, not {len(name)}")
    if refusal is None:
        shape = "an experiment name must not be empty" if not name else _shape_refusal(name, "an experiment name")
        refusal = None if shape is None else ("invalid_name", shape)
    if refusal is not None:
        code, reason = refusal
        _refuse(code, f"`{label}`: {reason}", name)
