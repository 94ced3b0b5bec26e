import { useParams } from "react-router";

export function DatasetPage() {
  const { datasetId = "" } = useParams();
  return (
    <>
      <h1>DatasetPage</h1>
      <p>
        <code>{datasetId}</code>
      </p>
    </>
  );
}
