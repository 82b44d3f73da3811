import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { ensureConsoleBuilt, repoRoot } from "./support/server";

// The console's first load: every script index.html pulls in before anything else.
describe("console bundle", () => {
  it("keeps the initial JavaScript under 300 KB gzipped", () => {
    ensureConsoleBuilt();
    const dist = join(repoRoot, "dist", "web");
    const html = readFileSync(join(dist, "index.html"), "utf8");
    const scripts = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="([^"]+\.js)"/g)].map(
      (m) => m[1] ?? "",
    );
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce(
      (total, src) => total + gzipSync(readFileSync(join(dist, src))).length,
      0,
    );
    console.log(`console: initial JavaScript ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(300 * 1024);
  });
});
