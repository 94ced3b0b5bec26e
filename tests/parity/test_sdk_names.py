"""One contract for both SDKs: every public Python name has its TypeScript counterpart and back.

Python's public names are ``groundset.__all__``, the public methods of ``Client`` (TypeScript
has them as functions taking ``client``), the attributes of every public class (annotations,
properties, methods) and the keyword arguments of every public function and method.
TypeScript's are the exports of ``dist/index.d.ts``, the members of each exported class and
object type, and the option keys of each function, read with the compiler API
(``sdk_names.mjs``). Python names are compared in camelCase (``source_id_key`` ->
``sourceIdKey``; UPPER_CASE constants and class names as they are).

A name one side lacks fails the test unless ``contract/sdk.json``'s ``language_specific`` lists it
(a pattern, with the reason); an ``a``-prefixed Python function whose synchronous twin exists
(``arun_experiment``) needs no entry: every TypeScript function is asynchronous already. The
error classes, their attributes, the status each ``APIError`` subclass stands for and the
classes of the hashing codes are held to the contract's ``errors`` section in both SDKs.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import inspect
import json
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import groundset
import pytest
from groundset.errors import error_from_response

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = json.loads((ROOT / "contract/sdk.json").read_text(encoding="utf-8"))


def camel(name: str) -> str:
    """``source_id_key`` -> ``sourceIdKey``; names without a lowercase ``_`` stay as they are."""
    if name.isupper() or "_" not in name.strip("_"):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def own_members(cls: type) -> set[str]:
    """Public attributes a groundset class declares (itself or a groundset base), not Python's."""
    names: set[str] = set()
    for klass in cls.__mro__:
        if not klass.__module__.startswith("groundset"):
            continue
        names.update(getattr(klass, "__annotations__", {}))
        if dataclasses.is_dataclass(klass):
            names.update(field.name for field in dataclasses.fields(klass))
        names.update(vars(klass))
    return {name for name in names if not name.startswith("_")}


def _is_call(cls: type, name: str) -> bool:
    return inspect.isfunction(vars(cls).get(name)) and name not in ("close",)


def keywords(function: Any) -> list[str]:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return []
    return [name for name in signature.parameters if name not in ("self", "cls")]


@cache
def python_names() -> dict[str, dict[str, Any]]:
    names: dict[str, dict[str, Any]] = {}
    for name in groundset.__all__:
        value = getattr(groundset, name)
        if inspect.isclass(value):
            members = own_members(value)
            # An exception is built by the SDK, and a dataclass's keywords are its fields: their
            # attributes are their API. The client's methods are TypeScript's functions (below).
            built = issubclass(value, BaseException) or dataclasses.is_dataclass(value)
            if value in (groundset.Client, groundset.AsyncClient):
                members -= {
                    method for method in members if method in vars(groundset.Client) and _is_call(value, method)
                }
            names[name] = {"kind": "class", "members": members, "params": None if built else keywords(value)}
        elif callable(value):
            names[name] = {"kind": "function", "members": set(), "params": keywords(value)}
        else:
            names[name] = {"kind": "value", "members": set(), "params": []}
    # The client's methods are TypeScript's functions (which take `client`).
    for method, function in vars(groundset.Client).items():
        if not method.startswith("_") and inspect.isfunction(function):
            names[method] = {"kind": "function", "members": set(), "params": keywords(function)}
    return names


@cache
def typescript_names() -> dict[str, dict[str, Any]]:
    output = subprocess.run(
        ["node", str(Path(__file__).with_name("sdk_names.mjs"))], capture_output=True, text=True, check=True
    ).stdout
    found: dict[str, dict[str, Any]] = json.loads(output)
    return found


def listed(side: str) -> dict[str, str]:
    """The allow-list of ``side``: deliberate differences and the pending gaps."""
    entries: dict[str, str] = {**CONTRACT["language_specific"][side], **CONTRACT["language_specific"]["pending"][side]}
    return entries


def allowed(side: str, qualified: str) -> bool:
    return any(fnmatch.fnmatchcase(qualified, pattern) for pattern in listed(side))


def async_twin(name: str, names: dict[str, Any]) -> bool:
    return name.startswith("a") and name[1:] in names and names[name]["kind"] == "function"


def test_every_allow_list_entry_gives_a_reason() -> None:
    for side in ("python", "typescript"):
        for pattern, reason in listed(side).items():
            assert isinstance(reason, str) and len(reason) > 20, f"{side}: {pattern} needs a reason"


def test_every_public_name_has_its_counterpart() -> None:
    python, typescript = python_names(), typescript_names()
    by_camel = {camel(name): name for name in python}
    missing: list[str] = []
    for name, entry in python.items():
        if async_twin(name, python):
            continue
        counterpart = typescript.get(camel(name))
        if counterpart is None:
            if not allowed("python", name):
                missing.append(f"TypeScript lacks {camel(name)} (Python {name})")
            continue
        for kind, label in (("members", "."), ("params", "(")):
            if entry[kind] is None:
                continue
            theirs = set(counterpart[kind])
            for member in entry[kind]:
                qualified = f"{name}.{member}" if label == "." else f"{name}({member})"
                if camel(member) not in theirs and not allowed("python", qualified):
                    missing.append(f"TypeScript lacks {camel(name)}{label}{camel(member)} (Python {qualified})")
    for name, entry in typescript.items():
        python_name = by_camel.get(name)
        if python_name is None:
            if not allowed("typescript", name):
                missing.append(f"Python lacks {name}")
            continue
        for kind, label in (("members", "."), ("params", "(")):
            if python[python_name][kind] is None:
                continue
            ours = {camel(member) for member in python[python_name][kind]}
            for member in entry[kind]:
                qualified = f"{name}.{member}" if label == "." else f"{name}({member})"
                if member not in ours and not allowed("typescript", qualified):
                    missing.append(f"Python lacks {qualified}")
    assert not missing, "names on one side only (add the name, or list it in contract/sdk.json):\n" + "\n".join(missing)


def test_the_allow_list_has_no_stale_entry() -> None:
    """Every pattern still matches something, so a name made common leaves the list."""
    python, typescript = python_names(), typescript_names()
    qualified = {
        "python": {f"{n}{s}" for n, e in python.items() for s in ["", *(f".{m}" for m in e["members"])]}
        | {f"{n}({p})" for n, e in python.items() for p in e["params"] or []},
        "typescript": {f"{n}{s}" for n, e in typescript.items() for s in ["", *(f".{m}" for m in e["members"])]}
        | {f"{n}({p})" for n, e in typescript.items() for p in e["params"]},
    }
    for side, names in qualified.items():
        for pattern in listed(side):
            assert fnmatch.filter(names, pattern), f"{side}: {pattern} matches no public name"


def test_error_classes_follow_the_contract_in_both_sdks() -> None:
    classes: dict[str, dict[str, Any]] = CONTRACT["errors"]["classes"]
    typescript = typescript_names()
    for name, spec in classes.items():
        cls = getattr(groundset, name)
        base = cls.__mro__[1].__name__ if spec["base"] is not None else None
        assert spec["base"] is None or spec["base"] in {klass.__name__ for klass in cls.__mro__[1:]}, name
        if spec["base"] is not None:
            assert issubclass(cls, getattr(groundset, spec["base"])), (name, base)
        expected = {attribute for klass in _lineage(name, classes) for attribute in classes[klass]["attributes"]}
        assert expected <= own_members(cls), (name, expected - own_members(cls))
        assert {camel(attribute) for attribute in expected} <= set(typescript[name]["members"]), name
    record = set(CONTRACT["errors"]["record_issue"])
    assert record <= own_members(groundset.RecordIssue)
    assert {camel(field) for field in record} == set(typescript["RecordIssue"]["members"])


def _lineage(name: str, classes: dict[str, dict[str, Any]]) -> list[str]:
    chain = [name]
    while classes[chain[-1]]["base"] is not None:
        chain.append(classes[chain[-1]]["base"])
    return chain


TS_ERRORS = """
import * as groundset from "groundset";
import { errorFromResponse } from "%s";
const [statuses, bases] = JSON.parse(process.argv[1]);
const out = {};
for (const status of statuses) {
  out[status] = errorFromResponse(status, "{}", "GET /x").constructor.name;
}
for (const [name, base] of Object.entries(bases)) {
  out[name] = base === null ? true : groundset[name].prototype instanceof groundset[base];
}
let unsupported;
try { groundset.hashValue({ f: () => 1 }); } catch (error) { unsupported = error.constructor.name; }
let nonFinite;
try { groundset.hashValue(Number.NaN); } catch (error) { nonFinite = error.constructor.name; }
out.unsupported = unsupported;
out.nonFinite = nonFinite;
console.log(JSON.stringify(out));
"""


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503, 418])
def test_each_status_has_the_contract_class_in_python(status: int) -> None:
    expected = _status_class(status)
    assert type(error_from_response(status, {})).__name__ == expected


def _status_class(status: int) -> str:
    for name, spec in CONTRACT["errors"]["classes"].items():
        if spec.get("status") == status or (spec.get("status") == "5xx" and status >= 500):
            return str(name)
    return "APIError"


def test_each_status_and_hashing_code_has_the_contract_class_in_typescript() -> None:
    statuses = [400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 502, 503, 418]
    bases = {name: spec["base"] for name, spec in CONTRACT["errors"]["classes"].items()}
    script = TS_ERRORS % (ROOT / "js/dist/errors.js").as_uri()
    output = subprocess.run(
        ["node", "--input-type=module", "-e", script, json.dumps([statuses, bases])],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT / "js",
    ).stdout
    found = json.loads(output)
    for status in statuses:
        assert found[str(status)] == _status_class(status), status
    assert all(found[name] for name in bases), {name: found[name] for name in bases}
    codes = CONTRACT["errors"]["classes"]["UnsupportedTypeError"]["codes"]
    assert "unsupported_type" in codes
    assert (found["unsupported"], found["nonFinite"]) == ("UnsupportedTypeError", "HashError")
    with pytest.raises(groundset.UnsupportedTypeError) as python_error:
        groundset.hash_value({"f": print})
    assert python_error.value.code in codes
    with pytest.raises(groundset.HashError) as non_finite:
        groundset.hash_value(float("nan"))
    assert type(non_finite.value) is groundset.HashError
