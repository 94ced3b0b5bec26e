import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The build goes into the server's package (served at / by groundset-server, shipped in its
// wheel); `just ui::dev` proxies the API to a server on :8000 for working on pages.
const api = process.env.GROUNDSET_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL("../server/groundset_server/ui_dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    fs: { allow: [".."] },
    proxy: { "/v1": api, "/health": api },
  },
});
