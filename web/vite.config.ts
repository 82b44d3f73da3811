import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

const webRoot = fileURLToPath(new URL(".", import.meta.url));
const outDir = fileURLToPath(new URL("../dist/web", import.meta.url));

// The console is built into <repo>/dist/web and served by the API server at `/`.
// `npm run dev` is not part of the contract; `vite --config web/vite.config.ts` proxies /v1 for
// local work against a server on KTRLPLANE_API (default http://localhost:3000).
export default defineConfig({
  root: webRoot,
  plugins: [react()],
  build: { outDir, emptyOutDir: true, sourcemap: false },
  server: {
    proxy: { "/v1": process.env.KTRLPLANE_API ?? "http://localhost:3000" },
  },
});
