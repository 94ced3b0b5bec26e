// What the tests of the API calls share: a client of the test server, unique dataset names,
// and a fetch that records what was sent before passing it to the real fetch.
import { randomUUID } from "node:crypto";
import { type Client, type ClientOptions, createClient } from "groundset";
import { inject } from "vitest";

/** A client of the server that `server.setup.ts` started. */
export function testClient(options: ClientOptions = {}): Client {
  const { baseUrl, apiKey } = inject("groundset");
  return createClient({ baseUrl, apiKey, ...options });
}

/** A dataset name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A request as it was sent: its body read out as text. */
export interface SentRequest {
  method: string;
  url: string;
  contentType: string | null;
  body: string;
}

/** The real fetch, recording every request (its body read whole) in `sent`. */
export function recordingFetch(): { fetch: typeof fetch; sent: SentRequest[] } {
  const sent: SentRequest[] = [];
  const recording = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const body = init.body === undefined || init.body === null ? "" : await new Response(init.body).text();
    const headers = new Headers(init.headers);
    sent.push({ method: init.method ?? "GET", url: String(input), contentType: headers.get("content-type"), body });
    return fetch(input, { ...init, body: body === "" ? undefined : body });
  };
  return { fetch: recording as typeof fetch, sent };
}

/** The JSON lines of an NDJSON body. */
export function ndjsonOf(body: string): Array<Record<string, unknown>> {
  return body
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
