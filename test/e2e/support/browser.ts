/**
 * Finds Debian's Chromium (never downloads one) and launches it headless for playwright-core.
 * Playwright gives every launch its own fresh temporary user-data-dir, removed on close; each
 * test user gets its own browser context (own localStorage, own cookies).
 */
import { accessSync, constants } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(): string | null {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];
  for (const candidate of candidates) if (candidate && executable(candidate)) return candidate;
  return null;
}

export const browserRequired = Boolean(process.env.KTRLPLANE_REQUIRE_BROWSER);

/** The Chromium to use, or null with the plain message when the tests are to be skipped. */
export function chromiumOrSkip(): string | null {
  const path = findChromium();
  if (!path && !browserRequired) console.warn("e2e: Chromium not found, browser tests skipped");
  return path;
}

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: chromiumArgs, timeout: 30_000 });
}
