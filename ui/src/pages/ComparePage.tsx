// Placeholder: UI-B builds the comparison page (base vs head) here.
import { useSearchParams } from "react-router";

export function ComparePage() {
  const [params] = useSearchParams();
  return (
    <>
      <h1>Compare experiments</h1>
      <p>
        Base <code>{params.get("base") ?? "—"}</code>, head <code>{params.get("head") ?? "—"}</code>
      </p>
    </>
  );
}
