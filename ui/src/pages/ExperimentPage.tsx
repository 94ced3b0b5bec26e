// Placeholder: UI-B builds the experiment page (summary + runs table) here.
import { useParams } from "react-router";

export function ExperimentPage() {
  const { experimentId = "" } = useParams();
  return (
    <>
      <h1>Experiment</h1>
      <p>
        <code>{experimentId}</code>
      </p>
    </>
  );
}
