import { useEffect, useState } from "react";
import { Link, NavLink, Outlet, ScrollRestoration } from "react-router";
import { onApiKeyNeeded, setApiKey } from "../lib/api";
import { ApiKeyPrompt } from "./ApiKeyPrompt";

/** The frame of every page: the header (product name, navigation), the page or the API-key prompt. */
export function Layout() {
  const [keyNeeded, setKeyNeeded] = useState<{ refused: boolean } | null>(null);
  // Bumped when a key is given: the page mounts again and loads what the 401 refused.
  const [generation, setGeneration] = useState(0);
  useEffect(
    () =>
      onApiKeyNeeded((refused) => {
        if (refused) setApiKey(null);
        setKeyNeeded({ refused });
      }),
    [],
  );
  return (
    <>
      <header className="container site-header">
        <nav>
          <ul>
            <li>
              <Link to="/" className="brand">
                <strong>groundset</strong>
              </Link>
            </li>
          </ul>
          <ul>
            <li>
              <NavLink to="/" end>
                Datasets
              </NavLink>
            </li>
            <li>
              <NavLink to="/compare">Compare</NavLink>
            </li>
          </ul>
        </nav>
      </header>
      <main className="container">
        {keyNeeded ? (
          <ApiKeyPrompt
            refused={keyNeeded.refused}
            onKey={() => {
              setKeyNeeded(null);
              setGeneration((value) => value + 1);
            }}
          />
        ) : (
          <Outlet key={generation} />
        )}
      </main>
      <ScrollRestoration />
    </>
  );
}
