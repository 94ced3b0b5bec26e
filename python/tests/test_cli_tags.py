"""The CLI's tags against a real server: tag, move, untag, the history, versions listing them,
upsert --tag/--move-tag and diff by tag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import groundset
from test_cli import plain


def write(path: Path, questions: list[str]) -> Path:
    path.write_text("".join(json.dumps({"id": str(i), "input": {"q": q}}) + "\n" for i, q in enumerate(questions)))
    return path


def test_tag_untag_history_and_versions(run: Any, tmp_path: Path, unique_name: str) -> None:
    first = run(
        "upsert",
        str(write(tmp_path / "v1.jsonl", ["a", "b"])),
        "-d",
        unique_name,
        "--id-key",
        "id",
        "--tag",
        "baseline",
        "--json",
    )
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["tag"] == "baseline"
    v2_file = write(tmp_path / "v2.jsonl", ["a", "B", "c"])
    refused = run("upsert", str(v2_file), "-d", unique_name, "--id-key", "id", "--tag", "baseline")
    assert refused.exit_code == 1 and "tag_exists" in refused.output
    assert "pass --move-tag" in plain(refused.output) and "move_tag" not in refused.output
    alone = run("upsert", str(v2_file), "-d", unique_name, "--id-key", "id", "--move-tag")
    assert alone.exit_code == 1 and "--move-tag goes with --tag" in plain(alone.output), alone.output
    second = run(
        "upsert", str(v2_file), "-d", unique_name, "--id-key", "id", "--tag", "baseline", "--move-tag", "--json"
    )
    assert second.exit_code == 0, second.output
    v1, v2 = json.loads(first.output)["version_id"], json.loads(second.output)["version_id"]

    tagged = run("tag", unique_name, "old", v1)
    assert tagged.exit_code == 0 and f"tag 'old' -> version {v1}" in tagged.output
    existing = run("tag", unique_name, "old", v2)
    assert "tag_exists" in existing.output and "pass --move" in plain(existing.output)
    assert run("tag", unique_name, "old", v2, "--move").exit_code == 0
    assert run("tag", unique_name, "old", v1, "--move", "--json").exit_code == 0

    listed = json.loads(run("tags", unique_name, "--json").output)
    assert [(t["name"], t["version_id"]) for t in listed] == [("baseline", v2), ("old", v1)]
    versions = json.loads(run("versions", unique_name, "--json").output)
    assert {v["id"]: v["tags"] for v in versions} == {v2: ["baseline"], v1: ["old"]}
    assert "baseline" in run("versions", unique_name).output

    diff = json.loads(run("diff", unique_name, "--from-tag", "old", "--to-tag", "baseline", "--json").output)
    assert (diff["created"], diff["updated"]) == (["2"], ["1"])

    assert run("untag", unique_name, "old").exit_code == 0
    gone = run("untag", unique_name, "old")
    assert gone.exit_code == 1 and "tag_not_found" in gone.output
    history = json.loads(run("tags", unique_name, "old", "--json").output)
    assert [event["action"] for event in history] == ["created", "moved", "moved", "deleted"]
    shown = run("tags", unique_name, "old")
    assert shown.exit_code == 0 and "deleted" in shown.output
    digits = run("tag", unique_name, "12", v1)
    assert digits.exit_code == 2 and "all digits" in digits.output
    # A tag with '/' (or only whitespace) is refused by the server, and the CLI says why.
    for bad in ("a/b", "/", "a/history", " "):
        for command in (["tag", unique_name, bad, v1], ["untag", unique_name, bad], ["tags", unique_name, bad]):
            refused_tag = run(*command)
            assert refused_tag.exit_code == 1 and "invalid_tag" in refused_tag.output, (command, refused_tag.output)
            assert "Expecting value" not in refused_tag.output


def test_experiments_and_compare_by_tag(run: Any, client: groundset.Client, unique_name: str) -> None:
    def task(input: dict[str, Any]) -> dict[str, Any]:
        return {"echo": input["q"]}

    def exact(output: dict[str, Any], input: dict[str, Any]) -> bool:
        return bool(output["echo"] == input["q"])

    records = [{"id": "1", "input": {"q": "a"}}, {"id": "2", "input": {"q": "b"}}]
    first = client.upsert_dataset(name=unique_name, examples=records, source_id_key="id", tag="release")
    client.upsert_dataset(name=unique_name, examples=[{"id": "3", "input": {"q": "c"}}], source_id_key="id")
    for selector in ({"name": unique_name, "tag": "release"}, {"name": unique_name}):
        groundset.run_experiment(selector, task, [exact], experiment_name="nightly", client=client, print_summary=False)
    listed = json.loads(run("experiments", unique_name, "--tag", "release", "--json").output)
    assert [row["version_id"] for row in listed] == [first.version_id]
    both = run("experiments", unique_name, "--tag", "release", "--version", "1")
    assert both.exit_code != 0 and "not both" in both.output
    compared = run("compare", "--dataset", unique_name, "nightly", "nightly", "--base-tag", "release", "--json")
    assert compared.exit_code == 0, compared.output
    assert json.loads(compared.output)["base"]["version_id"] == first.version_id
    alone = run("compare", "nightly", "nightly", "--base-tag", "release")
    assert alone.exit_code == 2 and "--base-tag" in alone.output


def test_a_dry_run_says_what_it_would_do_to_the_tag(
    run: Any, client: groundset.Client, tmp_path: Path, unique_name: str
) -> None:
    v1_file = write(tmp_path / "v1.jsonl", ["a", "b"])
    upsert = ("upsert", str(v1_file), "-d", unique_name, "--id-key", "id")
    first = run(*upsert, "--tag", "stable", "--json")
    v1 = json.loads(first.output)["version_id"]

    def line(*args: str) -> str:
        shown = run(*args, "--dry-run")
        assert shown.exit_code == 0, shown.output
        return plain(shown.output)

    # A no-op: the tag is already there, or would be created on the unchanged version.
    assert f"; tag 'stable' is already on version {v1}, left as it is" in line(*upsert, "--tag", "stable")
    assert f"; tag 'gold' would be created on version {v1}" in line(*upsert, "--tag", "gold")
    as_json = json.loads(run(*upsert, "--tag", "gold", "--dry-run", "--json").output)
    assert (as_json["noop"], as_json["tag_change"]) == (True, "created")
    # A change: the tag would move to the new version.
    v2 = ("upsert", str(write(tmp_path / "v2.jsonl", ["a", "B"])), "-d", unique_name, "--id-key", "id")
    assert "; tag 'stable' would be moved to the new version" in line(*v2, "--tag", "stable", "--move-tag")
    dry = client.upsert_dataset(
        name=unique_name, examples=[{"id": "0", "input": {"q": "a"}}], source_id_key="id", tag="stable", dry_run=True
    )
    assert dry.tag_change == "unchanged" and "left as it is" in dry.summary()
    assert [tag.name for tag in client.list_tags(name=unique_name)] == ["stable"]


def test_an_empty_argument_is_named_as_the_command_line_spells_it(run: Any, tmp_path: Path, unique_name: str) -> None:
    """A usage error (exit status 2) naming the argument, never the SDK keyword it becomes
    (``version_id=``, ``tag=``, ``name=``), before any request."""
    assert run("upsert", str(write(tmp_path / "v1.jsonl", ["a"])), "-d", unique_name, "--id-key", "id").exit_code == 0
    for command, argument in [
        (["tag", unique_name, "t1", ""], "VERSION"),
        (["tag", unique_name, "", "1"], "TAG"),
        (["tag", "", "t1", "1"], "NAME"),
        (["untag", unique_name, ""], "TAG"),
        (["tags", unique_name, ""], "[TAG]"),
        (["versions", ""], "NAME"),
        (["schema", ""], "NAME"),
        (["experiments", ""], "DATASET"),
        (["experiment", ""], "ID"),
    ]:
        done = run(*command)
        text = plain(done.output)
        assert done.exit_code == 2 and f"Invalid value for '{argument}': must be a non-empty string" in text, (
            command,
            text,
        )
        assert "=" not in text.replace("--", ""), text
    assert run("tags", unique_name, "--json").output.strip() == "[]"  # no tag was made
