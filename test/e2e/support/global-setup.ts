import { ensureConsoleBuilt } from "./server";

/**
 * The console is built once, before any e2e file starts, so that no file's `beforeAll` spends
 * its timeout on a Vite build and no two runs build `dist/web` at the same time.
 */
export default function buildConsoleOnce(): void {
  ensureConsoleBuilt();
}
