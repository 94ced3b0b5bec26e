// Readable, collapsible JSON (react-json-view-lite), themed by Pico's colours for light and dark.
import { allExpanded, collapseAllNested, defaultStyles, JsonView as Viewer } from "react-json-view-lite";
import "react-json-view-lite/dist/index.css";

const styles = { ...defaultStyles, container: "json-view" };

/** `value` as a JSON tree; `expanded` opens every level, else only the top one. */
export function JsonView({ value, expanded = false }: { value: unknown; expanded?: boolean }) {
  if (value === null || typeof value !== "object") {
    return <code className="json-scalar">{JSON.stringify(value)}</code>;
  }
  if (Object.keys(value).length === 0) {
    return <code className="json-scalar">{Array.isArray(value) ? "[]" : "{}"}</code>;
  }
  return (
    <div className="json">
      <Viewer data={value as object} shouldExpandNode={expanded ? allExpanded : collapseAllNested} style={styles} />
    </div>
  );
}
