"""Render server/openapi.json as docs/rest-api.md (a page a person reads; the JSON stays the
contract). `--check` exits 1 when docs/rest-api.md is not what the JSON renders now, which
tests/docs/test_rest_api.py asserts; regenerate with `.venv/bin/python scripts/render_openapi.py`.

The page's hand-written part, the introduction with a curl session, is scripts/rest_api_intro.md
(`{openapi}` and `{version}` are filled in); the docs test runs the session's bash blocks against
a live server like every other snippet.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "server" / "openapi.json"
PAGE = ROOT / "docs" / "rest-api.md"
REF = "#/components/schemas/"

INTRODUCTION = Path(__file__).with_name("rest_api_intro.md")


def schema_name(reference: str) -> str:
    return reference.removeprefix(REF)


def type_of(schema: dict[str, Any], schemas: dict[str, Any]) -> str:
    """A short type expression: `string`, `Example[]`, `integer | null`, `"merge" | "mirror"`."""
    if "$ref" in schema:
        name = schema_name(schema["$ref"])
        return f"[{name}](#{name.lower()})" if name in schemas else f"{name} (not defined in openapi.json)"
    if "anyOf" in schema:
        return " \\| ".join(type_of(part, schemas) for part in schema["anyOf"])
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"{type_of(schema.get('items', {}), schemas)}[]"
    return str(kind)


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def constraints(schema: dict[str, Any]) -> str:
    parts = []
    if "default" in schema:
        parts.append(f"default `{json.dumps(schema['default'])}`")
    for key, word in (("minimum", "min"), ("maximum", "max"), ("minLength", "min length"), ("maxLength", "max length")):
        if key in schema:
            parts.append(f"{word} {schema[key]}")
    if "pattern" in schema:
        parts.append(f"pattern `{schema['pattern']}`")
    return "; ".join(parts)


def properties_table(schema: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    required = set(schema.get("required", []))
    lines = ["| field | type | required | notes |", "|---|---|---|---|"]
    for name, field in schema.get("properties", {}).items():
        notes = "; ".join(part for part in (one_line(field.get("description")), constraints(field)) if part)
        lines.append(f"| `{name}` | {type_of(field, schemas)} | {'yes' if name in required else ''} | {notes} |")
    return lines


def operation(method: str, path: str, spec: dict[str, Any], schemas: dict[str, Any]) -> list[str]:
    lines = [f"### `{method.upper()} {path}`", ""]
    summary = one_line(spec.get("description")) or spec.get("summary", "")
    lines += [summary, ""]
    parameters = spec.get("parameters", [])
    if parameters:
        lines += ["| parameter | in | type | required | notes |", "|---|---|---|---|---|"]
        for parameter in parameters:
            schema = parameter.get("schema", {})
            notes = "; ".join(part for part in (one_line(parameter.get("description")), constraints(schema)) if part)
            lines.append(
                f"| `{parameter['name']}` | {parameter['in']} | {type_of(schema, schemas)} | "
                f"{'yes' if parameter.get('required') else ''} | {notes} |"
            )
        lines.append("")
    body = spec.get("requestBody")
    if body:
        for media, content in body.get("content", {}).items():
            schema = content.get("schema", {})
            if "properties" in schema:
                lines += [f"Request body (`{media}`), {schema.get('title', 'object')}:", ""]
                lines += [*properties_table(schema, schemas), ""]
            else:
                shown = one_line(schema.get("description")) or type_of(schema, schemas)
                lines += [f"Request body (`{media}`): {shown}", ""]
    answers, problems = [], []
    for status, response in spec.get("responses", {}).items():
        media = response.get("content", {})
        if list(media) == ["application/problem+json"]:
            problems.append(f"`{status}`")
            continue
        forms = [
            f"{type_of(content['schema'], schemas)} (`{kind}`)" if content.get("schema") else f"`{kind}`"
            for kind, content in media.items()
        ]
        answers.append(f"`{status}` " + (", ".join(forms) if forms else one_line(response.get("description"))))
    if problems:
        answers.append(f"problems {', '.join(problems)} (`application/problem+json`)")
    lines += ["Answers: " + "; ".join(answers) + ".", ""]
    return lines


def render(spec: dict[str, Any]) -> str:
    schemas = spec.get("components", {}).get("schemas", {})
    introduction = INTRODUCTION.read_text(encoding="utf-8")
    introduction = introduction.replace("{openapi}", spec["openapi"]).replace("{version}", spec["info"]["version"])
    lines = [introduction, "## Routes", ""]
    for path, methods in spec["paths"].items():
        for method, details in methods.items():
            lines += operation(method, path, details, schemas)
    lines += ["## Schemas", ""]
    for name, schema in sorted(schemas.items()):
        lines += [f"### {name}", ""]
        if schema.get("description"):
            lines += [one_line(schema["description"]), ""]
        if "properties" in schema:
            lines += [*properties_table(schema, schemas), ""]
        else:
            lines += [f"{type_of(schema, schemas)}", ""]
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="fail when docs/rest-api.md is stale; write nothing")
    check = parser.parse_args().check
    page = render(json.loads(SPEC.read_text(encoding="utf-8")))
    current = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    if check:
        if current != page:
            diff = difflib.unified_diff(
                current.splitlines(), page.splitlines(), "docs/rest-api.md", "rendered", lineterm=""
            )
            print("\n".join(list(diff)[:40]))
            print("docs/rest-api.md is stale: run `.venv/bin/python scripts/render_openapi.py`", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
