import { type FormEvent, useId, useState } from "react";
import { setApiKey } from "../lib/api";

/** The form asking for the server's API key (kept for the browser session); `refused` when the
 * key sent before was answered 401. */
export function ApiKeyPrompt({ refused, onKey }: { refused: boolean; onKey: () => void }) {
  const [key, setKey] = useState("");
  const id = useId();
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!key.trim()) return;
    setApiKey(key.trim());
    onKey();
  }
  return (
    <article className="api-key">
      <h1>API key</h1>
      <p>
        {refused
          ? "The server refused the API key: give the one it was started with (GROUNDSET_API_KEY)."
          : "This server needs an API key (GROUNDSET_API_KEY). It is kept for this browser session only."}
      </p>
      <form onSubmit={submit}>
        <label htmlFor={id}>API key</label>
        <input
          id={id}
          name="api-key"
          type="password"
          autoComplete="current-password"
          required
          // biome-ignore lint/a11y/noAutofocus: the prompt is the page's only purpose.
          autoFocus
          value={key}
          aria-invalid={refused ? true : undefined}
          onChange={(event) => setKey(event.target.value)}
        />
        <button type="submit">Continue</button>
      </form>
    </article>
  );
}
