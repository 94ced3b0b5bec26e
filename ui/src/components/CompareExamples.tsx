// A page of a comparison's examples, aligned: each example's class, its input (the edit when the
// example changed between the versions), base and head outputs side by side with their text
// differences marked, and each evaluator's scores on both sides.
import type { Example, Schemas } from "../lib/api";
import { formatScore } from "../lib/format";
import { Delta } from "./CompareAggregates";
import { JsonDiff } from "./JsonDiff";
import { type Run, ValueCell, valueText } from "./RunsValue";
import { TextDiff } from "./TextDiff";

type ComparedExample = Schemas["ComparedExample"];

export const CLASS_LABELS: Record<ComparedExample["status"], string> = {
  same_content: "same content",
  changed: "example changed",
  only_base: "only in base",
  only_head: "only in head",
};

/** What the runs of one side said for an example: the outputs of its repetitions (numbered
 * when there are several), errors as such; null when the side has no run of it. `answered`:
 * some run has an output (a text diff against an error message would mark noise). */
export function runsText(runs: Run[] | undefined): { text: string; answered: boolean } | null {
  if (!runs || runs.length === 0) return null;
  const said = (run: Run) => (run.error ? `(error) ${run.error}` : valueText(run.output));
  const answered = runs.some((run) => !run.error);
  if (runs.length === 1 && runs[0]) return { text: said(runs[0]), answered };
  return { text: runs.map((run) => `#${run.repetition_number}: ${said(run)}`).join("\n"), answered };
}

export interface SidesData {
  base: Map<string, Run[]>;
  head: Map<string, Run[]>;
  baseExamples: Map<string, Example>;
  headExamples: Map<string, Example>;
}

function Flags({ item }: { item: ComparedExample }) {
  const flags: [string, string][] = [];
  if (item.regression) flags.push(["regression", "regression"]);
  if (item.improvement) flags.push(["improvement", "improvement"]);
  if (item.missing_run) flags.push(["regression", "missing run in head"]);
  if (item.new_run_error) flags.push(["regression", "new run error"]);
  if (item.output_changed) flags.push(["changed", "output changed"]);
  return (
    <>
      {flags.map(([kind, text]) => (
        <span key={text}>
          <br />
          <span className={`flag ${kind}`}>{text}</span>
        </span>
      ))}
    </>
  );
}

function content(example: Example | undefined): unknown {
  return example ? { input: example.input, output: example.output ?? null } : undefined;
}

function InputCell({ item, sides }: { item: ComparedExample; sides: SidesData }) {
  const before = sides.baseExamples.get(item.source_id);
  const after = sides.headExamples.get(item.source_id);
  if (item.status === "changed" && before && after) {
    return (
      <details open className="cell-scroll input-edit">
        <summary>
          <span className="flag changed">edited</span> base, then head
        </summary>
        <JsonDiff value={content(before)} other={content(after)} side="before" />
        <JsonDiff value={content(after)} other={content(before)} side="after" />
      </details>
    );
  }
  const example = after ?? before;
  return <ValueCell value={example?.input} absent="not read" />;
}

function OutputCell({
  own,
  other,
  side,
}: {
  own: ReturnType<typeof runsText>;
  other: ReturnType<typeof runsText>;
  side: "before" | "after";
}) {
  if (own === null) return <span className="muted">no run</span>;
  if (!own.answered) return <div className="cell-scroll prose run-error">{own.text}</div>;
  return (
    <div className="cell-scroll prose">
      {other === null || !other.answered ? (
        own.text
      ) : (
        <TextDiff
          before={side === "before" ? own.text : other.text}
          after={side === "after" ? own.text : other.text}
          side={side}
        />
      )}
    </div>
  );
}

function ScoresCell({ scores }: { scores: Schemas["ComparedScore"][] }) {
  if (scores.length === 0) return <span className="muted">—</span>;
  return (
    <ul className="scores">
      {scores.map((score) => (
        <li key={score.name} data-testid="compared-score" data-evaluator={score.name}>
          <span className="muted">{score.name}</span> {formatScore(score.base)} → {formatScore(score.head)}{" "}
          <Delta value={score.delta} />
          {score.change && score.change !== "steady" && (
            <>
              {" "}
              <span className={`flag ${score.change}`}>{score.missing ? "missing in head" : score.change}</span>
            </>
          )}
          {score.new_error && (
            <>
              {" "}
              <span className="flag regression">new error</span>
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

export function CompareExamples({ examples, sides }: { examples: ComparedExample[]; sides: SidesData }) {
  return (
    <div className="table-wrap">
      <table className="striped compare" data-testid="compare-examples">
        <thead>
          <tr>
            <th scope="col">Example</th>
            <th scope="col">Input</th>
            <th scope="col">Base output</th>
            <th scope="col">Head output</th>
            <th scope="col">Scores (base → head)</th>
          </tr>
        </thead>
        <tbody>
          {examples.map((item) => {
            const base = runsText(sides.base.get(item.source_id));
            const head = runsText(sides.head.get(item.source_id));
            return (
              <tr
                key={item.example_id}
                data-testid="compared-example"
                data-source-id={item.source_id}
                data-status={item.status}
                data-regression={item.regression}
              >
                <th scope="row">
                  <code className="id">{item.source_id}</code>
                  <br />
                  <span className="flag">{CLASS_LABELS[item.status]}</span>
                  <Flags item={item} />
                </th>
                <td data-label="Input">
                  <InputCell item={item} sides={sides} />
                </td>
                <td data-label="Base output">
                  {item.base === null || item.base === undefined ? (
                    <span className="muted">not in base's version</span>
                  ) : (
                    <OutputCell own={base} other={head} side="before" />
                  )}
                </td>
                <td data-label="Head output">
                  {item.head === null || item.head === undefined ? (
                    <span className="muted">not in head's version</span>
                  ) : (
                    <OutputCell own={head} other={base} side="after" />
                  )}
                </td>
                <td data-label="Scores">
                  <ScoresCell scores={item.scores} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
