import { useParams } from "react-router";

export function DiffPage() {
  const { datasetId = "" } = useParams();
  return (
    <>
      <h1>DiffPage</h1>
      <p>
        <code>{datasetId}</code>
      </p>
    </>
  );
}
