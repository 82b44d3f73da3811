import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ensureConsoleBuilt } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    /** This run's directory where the e2e files take turns (see `./one-at-a-time.ts`). */
    e2eTurnDir: string;
  }
}

/**
 * The console is built once, before any e2e file starts, so that no file's `beforeAll` spends
 * its timeout on a Vite build and no two runs build `dist/web` at the same time.
 */
export default function setUpE2e(project: TestProject): () => void {
  ensureConsoleBuilt();
  const turnDir = mkdtempSync(join(tmpdir(), "ktrlplane-e2e-turn-"));
  project.provide("e2eTurnDir", turnDir);
  return () => rmSync(turnDir, { recursive: true, force: true });
}
