// Each evaluator's mean score across experiments in time order (Chart.js), a dashed line where
// the dataset version changes between two experiments, labelled with the version.
import {
  CategoryScale,
  Chart,
  type ChartOptions,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  type Plugin,
  PointElement,
  Tooltip,
} from "chart.js";
import { useMemo } from "react";
import { Line } from "react-chartjs-2";
import type { Experiment } from "../lib/api";
import { formatDate, formatScore } from "../lib/format";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip, Legend);

// Colours readable on Pico's light and dark backgrounds, told apart by people with the common
// colour-vision deficiencies (Okabe-Ito).
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999"];

function cssVar(name: string, fallback: string): string {
  if (typeof window === "undefined") return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** Vertical dashed lines before each experiment that ran on another version than the one
 * before it, with the version's label at the top. */
function versionMarks(versions: string[], color: string): Plugin<"line"> {
  return {
    id: "versionMarks",
    afterDatasetsDraw(chart) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      if (!x) return;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.setLineDash([4, 4]);
      ctx.font = "11px system-ui, sans-serif";
      ctx.textAlign = "left";
      versions.forEach((version, index) => {
        if (index > 0 && version === versions[index - 1]) return;
        const left =
          index === 0 ? x.getPixelForValue(0) : (x.getPixelForValue(index - 1) + x.getPixelForValue(index)) / 2;
        if (index > 0) {
          ctx.beginPath();
          ctx.moveTo(left, chartArea.top);
          ctx.lineTo(left, chartArea.bottom);
          ctx.stroke();
        }
        ctx.fillText(`version ${version}`, left + 4, chartArea.top + 10);
      });
      ctx.restore();
    },
  };
}

export function experimentLabel(experiment: Experiment): string {
  return experiment.name ?? `experiment ${experiment.id}`;
}

/** `experiments` oldest first, each with its `summary`. */
export function EvaluatorChart({ experiments }: { experiments: Experiment[] }) {
  const { data, options, plugins, evaluators } = useMemo(() => {
    // Only evaluators with a mean somewhere: a label-only one would be a legend entry without points.
    const names = [
      ...new Set(
        experiments.flatMap((e) => e.summary?.evaluations.filter((s) => s.mean_score != null).map((s) => s.name) ?? []),
      ),
    ].sort();
    const text = cssVar("--pico-muted-color", "#777");
    const grid = cssVar("--pico-muted-border-color", "#ddd");
    const versions = experiments.map((e) => e.version_id);
    const data = {
      labels: experiments.map((e) => `#${e.id}`),
      datasets: names.map((name, index) => {
        const color = PALETTE[index % PALETTE.length] ?? "#777";
        return {
          label: name,
          data: experiments.map((e) => e.summary?.evaluations.find((s) => s.name === name)?.mean_score ?? null),
          borderColor: color,
          backgroundColor: color,
          pointRadius: 4,
          pointHoverRadius: 6,
          // An experiment without this evaluator's mean is a gap, not a line through it.
          spanGaps: false,
          tension: 0,
        };
      }),
    };
    const options: ChartOptions<"line"> = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      layout: { padding: { top: 16 } },
      scales: {
        // Categories centred (one experiment is a point in the middle, not on the axis).
        x: { offset: true, ticks: { color: text }, grid: { color: grid } },
        // Scores are most often within 0..1: that range at least, so small differences do not
        // fill the chart; wider means widen it.
        y: {
          suggestedMin: 0,
          suggestedMax: 1,
          title: { display: true, text: "mean score", color: text },
          ticks: { color: text },
          grid: { color: grid },
        },
      },
      plugins: {
        legend: { labels: { color: text } },
        tooltip: {
          callbacks: {
            title: (items) => {
              const experiment = experiments[items[0]?.dataIndex ?? 0];
              if (!experiment) return "";
              return [
                `${experimentLabel(experiment)} (#${experiment.id})`,
                `version ${experiment.version_id}, ${formatDate(experiment.created_at)}`,
              ];
            },
            label: (item) => `${item.dataset.label}: ${formatScore(item.parsed.y)}`,
          },
        },
      },
    };
    return { data, options, plugins: [versionMarks(versions, text)], evaluators: names };
  }, [experiments]);
  const description = `Mean score of ${evaluators.join(", ")} across ${experiments.length} experiments, oldest first; the experiments table lists the same values.`;
  return (
    <div className="chart">
      <Line data={data} options={options} plugins={plugins} aria-label={description} role="img" />
    </div>
  );
}
