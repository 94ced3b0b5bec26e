"""The end-to-end demo (`just demo`, and `just test-examples` with --quiet).

Starts a groundset server on a temporary SQLite database, runs the Python and the TypeScript
quickstart (examples/) against it, stops the server, and checks what the examples printed:
each shows version 1 created from fixtures/examples/qa-v1.jsonl, the same version 1 again on
the no-op re-upsert, version 2 from the mirror upsert of qa-v2.jsonl with the counts the two
files imply, two experiments (one per version, the second reusing the first's runs of unchanged
examples: the task runs only on the added and edited ones) and their comparison (the classes the
files imply, like-for-like means unchanged, no regression); and both SDKs report the same
digests, scores and comparison. Exits 1, naming each failed check, when anything is off.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field

from local_server import ROOT, VENV_BIN, LocalServer, compile_typescript, link_groundset

DATA = ROOT / "fixtures" / "examples"
TS_PROJECT = ROOT / "examples" / "ts"
EVALUATORS = ("contains_answer", "token_f1")

UPSERT_LINE = re.compile(
    r"^   version (?P<version>\S+) \((?P<state>new|no-op|was \S+)\): (?P<created>\d+) created, "
    r"(?P<updated>\d+) updated, (?P<unchanged>\d+) unchanged, (?P<deleted>\d+) deleted; "
    r"digest (?P<digest>[0-9a-f]{64})$"
)
TABLE_LINE = re.compile(r"^   (?P<label>[a-z0-9_ ]+?)\s{2,}(?P<before>\S+)\s+(?P<after>\S+)$")
PROGRESSION_LINE = re.compile(r"^version progression: (\S+) -> (\S+) \(no-op\) -> (\S+)$")
CLASSES_LINE = re.compile(
    r"^   examples: (?P<unchanged>\d+) same content, (?P<updated>\d+) changed, (?P<created>\d+) added, "
    r"(?P<deleted>\d+) removed$"
)
EVALUATOR_LINE = re.compile(
    r"^   (?P<name>\w+): all (?P<base>\S+) -> (?P<head>\S+) \((?P<delta>\S+)\), "
    r"like-for-like (?P<like_base>\S+) -> (?P<like_head>\S+) \((?P<like_delta>\S+)\) on (?P<like_count>\d+)$"
)
VERDICT_LINE = re.compile(r"^   regressions: (?P<regressions>\d+) \(verdict: (?P<verdict>regressed|no regression)\)$")
TASK_LINE = re.compile(r"^   task ran (?P<ran>\d+) times, reused (?P<reused>\d+) runs$")


@dataclass
class Outcome:
    """What one example printed, as far as the checks need it."""

    language: str
    upserts: list[dict[str, str]] = field(default_factory=list)
    table: dict[str, tuple[str, str]] = field(default_factory=dict)
    progression: tuple[str, ...] | None = None
    comparison: dict[str, dict[str, str]] = field(default_factory=dict)


def parse(language: str, output: str) -> Outcome:
    outcome = Outcome(language)
    in_table = False
    for line in output.splitlines():
        if found := UPSERT_LINE.match(line):
            outcome.upserts.append(found.groupdict())
        elif line == "side by side":
            in_table = True
        elif found := PROGRESSION_LINE.match(line):
            outcome.progression = found.groups()
            in_table = False
        elif in_table and (found := TABLE_LINE.match(line)):
            outcome.table[found["label"]] = (found["before"], found["after"])
        elif found := EVALUATOR_LINE.match(line):
            outcome.comparison[found["name"]] = found.groupdict()
        else:
            for label, pattern in (("classes", CLASSES_LINE), ("verdict", VERDICT_LINE), ("task", TASK_LINE)):
                if found := pattern.match(line):
                    outcome.comparison[label] = found.groupdict()
    return outcome


def read_fixture(name: str) -> dict[str, str]:
    """source id -> the record as canonical text, from a fixture file."""
    records = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return {record["id"]: json.dumps(record, sort_keys=True) for record in records}


def expected_counts() -> dict[str, dict[str, int]]:
    """The counts each upsert must report, from the two fixture files."""
    v1, v2 = read_fixture("qa-v1.jsonl"), read_fixture("qa-v2.jsonl")
    return {
        "v1": {"created": len(v1), "updated": 0, "unchanged": 0, "deleted": 0},
        "again": {"created": 0, "updated": 0, "unchanged": len(v1), "deleted": 0},
        "v2": {
            "created": len(v2.keys() - v1.keys()),
            "updated": sum(v1[key] != v2[key] for key in v1.keys() & v2.keys()),
            "unchanged": sum(v1[key] == v2[key] for key in v1.keys() & v2.keys()),
            "deleted": len(v1.keys() - v2.keys()),
        },
    }


def check(outcome: Outcome) -> list[str]:
    """The failed checks of one example's output (empty when it showed the whole story)."""
    name = outcome.language
    if len(outcome.upserts) != 3:
        return [f"{name}: expected 3 upsert lines (v1, no-op, v2), found {len(outcome.upserts)}"]
    failures = []
    v1, again, v2 = outcome.upserts
    counts = expected_counts()
    for label, line in (("v1", v1), ("again", again), ("v2", v2)):
        got = {key: int(line[key]) for key in counts[label]}
        if got != counts[label]:
            failures.append(f"{name}: upsert {label} reported {got}, the fixtures imply {counts[label]}")
    if v1["state"] != "new":
        failures.append(f"{name}: the first upsert did not create a new dataset ({v1['state']})")
    if again["state"] != "no-op" or again["version"] != v1["version"] or again["digest"] != v1["digest"]:
        failures.append(f"{name}: the re-upsert was not a no-op on version {v1['version']}: {again}")
    if v2["state"] != f"was {v1['version']}" or v2["version"] == v1["version"]:
        failures.append(f"{name}: the mirror upsert did not move version {v1['version']} to a new one: {v2}")
    if outcome.progression != (v1["version"], v1["version"], v2["version"]):
        failures.append(f"{name}: version progression line {outcome.progression}, expected v1 -> v1 -> v2")
    table = outcome.table
    experiment_ids = table.get("experiment id", ("None", "None"))
    if "None" in experiment_ids or experiment_ids[0] == experiment_ids[1]:
        failures.append(f"{name}: expected two stored experiments, found ids {experiment_ids}")
    if table.get("dataset version") != (v1["version"], v2["version"]):
        failures.append(f"{name}: experiments ran on versions {table.get('dataset version')}, not v1 and v2")
    if table.get("version digest") != (v1["digest"][:16], v2["digest"][:16]):
        failures.append(f"{name}: side-by-side digests {table.get('version digest')} differ from the upserts'")
    runs = (str(counts["v1"]["created"]), str(sum(counts["v2"].values()) - counts["v2"]["deleted"]))
    if table.get("runs") != runs or table.get("errors") != ("0", "0"):
        failures.append(f"{name}: runs {table.get('runs')} errors {table.get('errors')}, expected {runs} and none")
    unchanged = counts["v2"]["unchanged"]
    if table.get("reused runs") != ("0", str(unchanged)):
        failures.append(f"{name}: reused runs {table.get('reused runs')}, expected none, then {unchanged}")
    return failures + check_comparison(outcome, counts["v2"])


def check_comparison(outcome: Outcome, v2: dict[str, int]) -> list[str]:
    """The comparison of the two experiments: the classes the fixtures imply; per evaluator, means
    in [0, 1] with their delta, and like for like unchanged (the same task on the same content);
    no regression; the task ran only on the added and edited examples, the rest reused."""
    name, comparison = outcome.language, outcome.comparison
    failures = []
    classes = {key: int(value) for key, value in comparison.get("classes", {}).items()}
    expected_classes = {key: v2[key] for key in ("unchanged", "updated", "created", "deleted")}
    if classes != expected_classes:
        failures.append(f"{name}: comparison classes {classes}, the fixtures imply {expected_classes}")
    for evaluator in EVALUATORS:
        line = comparison.get(evaluator)
        if line is None:
            failures.append(f"{name}: the comparison has no line for evaluator {evaluator}")
            continue
        means = [line[key] for key in ("base", "head", "like_base", "like_head")]
        if not all(re.fullmatch(r"[01]\.\d{4}", mean) for mean in means):
            failures.append(f"{name}: {evaluator}: means {means} are not scores in [0, 1]")
            continue
        if abs(float(line["head"]) - float(line["base"]) - float(line["delta"])) > 0.00011:
            failures.append(f"{name}: {evaluator}: delta {line['delta']} is not head - base ({line})")
        steady = line["like_base"] == line["like_head"] and line["like_delta"] in ("+0.0000", "-0.0000")
        if not steady or line["like_count"] != str(v2["unchanged"]):
            failures.append(f"{name}: {evaluator}: like for like should be steady on {v2['unchanged']}: {line}")
    if comparison.get("verdict") != {"regressions": "0", "verdict": "no regression"}:
        failures.append(f"{name}: the comparison should find no regression: {comparison.get('verdict')}")
    task = {"ran": str(v2["created"] + v2["updated"]), "reused": str(v2["unchanged"])}
    if comparison.get("task") != task:
        failures.append(f"{name}: the rerun {comparison.get('task')}, expected the task to run {task['ran']} times")
    return failures


def check_agreement(python: Outcome, typescript: Outcome) -> list[str]:
    """Same files, same task: both SDKs must report the same digests and the same scores."""
    failures = []
    if [line["digest"] for line in python.upserts] != [line["digest"] for line in typescript.upserts]:
        failures.append("the Python and TypeScript examples report different version digests for the same files")
    if python.comparison != typescript.comparison:
        failures.append(f"the comparisons differ: Python {python.comparison} but TypeScript {typescript.comparison}")
    return failures


def run(language: str, argv: list[str], server: LocalServer, *, quiet: bool) -> tuple[str, int]:
    """Run one example, echoing its output (unless quiet) and returning it with the exit status."""
    print(f"\n=== {language}: {' '.join(argv)}", flush=True)
    process = subprocess.Popen(argv, cwd=ROOT, env=server.env(), stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if not quiet:
            print(line, end="", flush=True)
    status = process.wait()
    output = "".join(lines)
    if quiet and status != 0:
        print(output, end="")
    return output, status


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quiet", action="store_true", help="print an example's output only when it fails")
    quiet = parser.parse_args().quiet

    compile_typescript(TS_PROJECT)
    link_groundset(TS_PROJECT)
    examples = [
        ("Python", [str(VENV_BIN / "python"), "examples/python/quickstart.py"]),
        ("TypeScript", ["node", str(TS_PROJECT / "dist" / "quickstart.js")]),
    ]
    failures: list[str] = []
    outcomes = []
    with LocalServer() as server:
        print(f"groundset-server on {server.base_url} (SQLite {server.database_url})")
        for language, argv in examples:
            output, status = run(language, argv, server, quiet=quiet)
            if status != 0:
                failures.append(f"{language}: the example exited with status {status}")
            outcome = parse(language, output)
            outcomes.append(outcome)
            failures += check(outcome)
        if failures:
            print(f"\nthe server's log:\n{server.log()}")
    if not failures:
        failures += check_agreement(*outcomes)
    print()
    if failures:
        print("demo FAILED:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    for outcome in outcomes:
        v1, _, v2 = outcome.upserts
        experiments = outcome.table["experiment id"]
        print(
            f"{outcome.language:<10}  versions {v1['version']} -> {v1['version']} (no-op) -> {v2['version']}, "
            f"experiments {experiments[0]} and {experiments[1]}"
        )
    print("demo OK: both SDKs report the same digests, scores and comparison for the same files.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
