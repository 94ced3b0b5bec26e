// Readable, collapsible JSON (react-json-view-lite). The library's own stylesheet is not loaded:
// these classes (styles.css, "react-json-view-lite") draw it with Pico's colours, light and
// dark, and keep Pico's styles of [role=button] and [role=group] off its tree.
import { allExpanded, collapseAllNested, JsonView as Viewer } from "react-json-view-lite";

const styles = {
  container: "json-view jv",
  basicChildStyle: "jv-row",
  childFieldsContainer: "jv-children",
  label: "jv-label",
  clickableLabel: "jv-label jv-clickable",
  nullValue: "jv-null",
  undefinedValue: "jv-null",
  stringValue: "jv-string",
  booleanValue: "jv-boolean",
  numberValue: "jv-number",
  otherValue: "jv-other",
  punctuation: "jv-punct",
  collapseIcon: "jv-icon jv-collapse",
  expandIcon: "jv-icon jv-expand",
  collapsedContent: "jv-collapsed",
  noQuotesForStringValues: false,
  quotesForFieldNames: true,
  stringifyStringValues: false,
};

/** `value` as a JSON tree; `expanded` opens every level, else the top one only. */
export function JsonView({ value, expanded = false }: { value: unknown; expanded?: boolean }) {
  if (value === null || typeof value !== "object") {
    return <code className="json-scalar">{JSON.stringify(value)}</code>;
  }
  if (Object.keys(value).length === 0) {
    return <code className="json-scalar">{Array.isArray(value) ? "[]" : "{}"}</code>;
  }
  return <Viewer data={value as object} shouldExpandNode={expanded ? allExpanded : collapseAllNested} style={styles} />;
}
