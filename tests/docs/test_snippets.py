"""Every code block of README.md and docs/*.md runs, parses or is checked (see snippets.py), so
the documentation cannot rot: a renamed SDK function, a changed CLI flag or a moved file fails
here."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import CompiledTypeScript, Place
from local_server import VENV_BIN
from snippets import DOCUMENTS, PARSE, ROOT, RUN, Snippet, all_snippets, read_snippets

SNIPPETS = all_snippets()
SECONDS = 180
MOST_SKIPPED = 6
JOB_ENV = {"GROUNDSET_BASE_URL", "GROUNDSET_API_KEY"}


def run(argv: list[str], place: Place, what: str, *, status: int = 0) -> str:
    """Run a command in the document's directory against its server; fail with its output unless
    it exits with `status`."""
    done = subprocess.run(
        argv, cwd=place.directory, env=place.server.env(), capture_output=True, text=True, timeout=SECONDS, check=False
    )
    if done.returncode != status:
        pytest.fail(
            f"{what} exited with {done.returncode}, not {status}\n--- stdout\n{done.stdout}\n--- stderr\n"
            f"{done.stderr}\n--- server log\n{place.server.log()}"
        )
    return done.stdout


def run_bash(code: str, place: Place, what: str) -> str:
    return run(["bash", "-euo", "pipefail", "-c", code], place, what)


def load_yaml(text: str) -> Any:
    """YAML to Python through js-yaml, which js/'s locked dev dependencies install (the
    project's Python environment has no YAML parser)."""
    script = (
        "const yaml = require('js-yaml');"
        "process.stdout.write(JSON.stringify(yaml.load(require('fs').readFileSync(0, 'utf8'))))"
    )
    done = subprocess.run(
        ["node", "-e", script], cwd=ROOT / "js", input=text, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        pytest.fail(f"not YAML (js-yaml): {done.stderr}")
    return json.loads(done.stdout)


def commands(script: str) -> list[str]:
    """The commands of a `run:` script: its lines, with backslash continuations joined, without comments."""
    joined = re.sub(r"\\\n\s*", " ", script)
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.strip().startswith("#")]


def check_workflow(snippet: Snippet, place: Place) -> None:
    workflow = load_yaml(snippet.code)
    assert isinstance(workflow, dict) and {"name", "on", "jobs"} <= workflow.keys(), "a workflow has name, on, jobs"
    assert workflow["jobs"], "the workflow has no job"
    for name, job in workflow["jobs"].items():
        assert isinstance(job.get("runs-on"), str), f"job {name}: runs-on"
        assert set(job.get("env", {})) <= JOB_ENV, f"job {name}: env {set(job.get('env', {}))} beyond {JOB_ENV}"
        for value in job.get("env", {}).values():
            assert re.fullmatch(r"\$\{\{ (secrets|vars)\.[A-Z_]+ \}\}", value), f"job {name}: env value {value!r}"
        steps = job.get("steps")
        assert isinstance(steps, list) and steps, f"job {name}: steps"
        ran = 0
        for step in steps:
            assert ("uses" in step) != ("run" in step), f"job {name}: a step has uses or run: {step}"
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", step["uses"]), f"job {name}: uses {step['uses']!r}"
                continue
            # As GitHub does, a step's script runs in one shell; package installs are checked, not run.
            script = []
            for command in commands(step["run"]):
                words = shlex.split(command)
                if words[:2] == ["pip", "install"]:
                    packages = [word for word in words[2:] if not word.startswith("-")]
                    assert packages == ["groundset"], f"job {name}: installs {packages}"
                else:
                    script.append(command)
            if script:
                run_bash("\n".join(script), place, f"{snippet.id}: job {name}: step {step.get('name', script[0])}")
                ran += 1
        assert ran, f"job {name}: no command ran"


def check_output(snippet: Snippet, place: Place) -> None:
    assert snippet.argument, f"{snippet.id}: an output marker names the command"
    printed = {line.rstrip() for line in run_bash(snippet.argument, place, snippet.argument).splitlines()}
    for line in snippet.code.splitlines():
        if line.strip() and line.strip() != "...":
            assert line.rstrip() in printed, f"{snippet.id}: `{snippet.argument}` no longer prints {line!r}"


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[snippet.id for snippet in SNIPPETS])
def test_snippet(snippet: Snippet, place_of: Callable[[Path], Place], compiled_typescript: CompiledTypeScript) -> None:
    if snippet.marker == "skip":
        assert snippet.argument, f"{snippet.id}: a skipped block says why"
        pytest.skip(f"illustrative: {snippet.argument}")
    place = place_of(snippet.document)
    if snippet.marker == "github-actions":
        assert snippet.language == "yaml", f"{snippet.id}: the github-actions marker goes on a yaml block"
        check_workflow(snippet, place)
    elif snippet.marker == "output":
        check_output(snippet, place)
    elif snippet.marker == "exit":
        assert snippet.language == "bash", f"{snippet.id}: the exit marker goes on a bash block"
        assert snippet.argument and snippet.argument.isdigit(), f"{snippet.id}: the exit marker names a status"
        run(["bash", "-euo", "pipefail", "-c", snippet.code], place, snippet.id, status=int(snippet.argument))
    elif snippet.language == "python":
        script = place.directory / f"{snippet.stem}.py"
        script.write_text(snippet.code, encoding="utf-8")
        # A deprecated name in the docs teaches it: its DeprecationWarning fails the block.
        run([str(VENV_BIN / "python"), "-W", "error::DeprecationWarning", script.name], place, snippet.id)
    elif snippet.language == "ts":
        run(["node", "--throw-deprecation", str(compiled_typescript.script(snippet))], place, snippet.id)
    elif snippet.language == "bash":
        run_bash(snippet.code, place, snippet.id)
    elif snippet.language in PARSE:
        json.loads(snippet.code)
    else:
        pytest.fail(f"{snippet.id}: a {snippet.language or 'untagged'} block is neither run nor marked (snippets.py)")


def test_the_documents_are_collected() -> None:
    """The parser finds the blocks (an empty collection would pass everything above)."""
    assert {path.name for path in DOCUMENTS} >= {"README.md", "rest-api.md", "experiments.md"}
    readme = read_snippets(ROOT / "README.md")
    for language in ("python", "ts", "bash", "yaml"):
        assert any(snippet.language == language for snippet in readme), f"README.md has no {language} block"
    assert sum(snippet.language in RUN and snippet.marker is None for snippet in SNIPPETS) >= 15


def test_few_blocks_are_only_illustrative() -> None:
    skipped = [snippet.id for snippet in SNIPPETS if snippet.marker == "skip"]
    assert len(skipped) <= MOST_SKIPPED, f"too many blocks skipped by the docs test: {skipped}"


def test_a_marker_must_sit_on_a_fence(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("<!-- docs-test: skip: why -->\n\nsome prose\n```bash\nfalse\n```\n", encoding="utf-8")
    with pytest.raises(ValueError, match="just before a fence"):
        read_snippets(page)
    page.write_text("<!-- docs-test: skip: why -->\n```bash\nfalse\n```\n```python\nx = 1\n```\n", encoding="utf-8")
    first, second = read_snippets(page)
    assert (first.marker, first.argument, second.marker, second.code) == ("skip", "why", None, "x = 1\n")
    page.write_text("<!-- docs-test: exit: 1 -->\n```bash\nfalse\n```\n", encoding="utf-8")
    [gate] = read_snippets(page)
    assert (gate.marker, gate.argument, gate.code) == ("exit", "1", "false\n")
