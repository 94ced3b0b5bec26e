import { useParams } from "react-router";

export function ExamplesPage() {
  const { datasetId = "" } = useParams();
  return (
    <>
      <h1>ExamplesPage</h1>
      <p>
        <code>{datasetId}</code>
      </p>
    </>
  );
}
