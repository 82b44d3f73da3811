import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Every module a source file reaches through static and dynamic imports: files and packages. */
function importGraph(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(file, "utf8");
    const specifiers = [
      ...source.matchAll(/(?:import|export)\s[^;]*?from\s+["']([^"']+)["']/g),
      ...source.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
      ...source.matchAll(/^import\s+["']([^"']+)["']/gm),
    ].map((match) => match[1] as string);
    for (const specifier of specifiers) {
      if (specifier.startsWith(".")) {
        visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, ".ts")));
      } else if (!specifier.startsWith("node:")) {
        packages.add(
          specifier.startsWith("@")
            ? specifier.split("/").slice(0, 2).join("/")
            : (specifier.split("/")[0] as string),
        );
      }
    }
  };
  visit(path.join(root, entry));
  return { files, packages };
}

describe("the worker and the CLIs build the context, never the HTTP server", () => {
  for (const entry of [
    "src/worker/main.ts",
    "src/worker/reconcile-cli.ts",
    "src/db/migrate-cli.ts",
  ]) {
    it(`${entry} reaches neither fastify nor src/api/`, () => {
      const { files, packages } = importGraph(entry);
      expect(files.size).toBeGreaterThan(1);
      expect([...packages].filter((name) => name.includes("fastify"))).toEqual([]);
      expect(
        [...files].filter((file) => file.includes(`${path.sep}src${path.sep}api${path.sep}`)),
      ).toEqual([]);
    });
  }

  it("the server's entry point does reach fastify (the walk sees through the files)", () => {
    const { packages } = importGraph("src/main.ts");
    expect(packages.has("fastify")).toBe(true);
    expect(packages.has("pino")).toBe(true);
  });
});
