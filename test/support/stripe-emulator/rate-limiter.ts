/**
 * A sliding one-second window per API key, like Stripe's per-account request rate limit
 * (100/s live, 25/s in sandboxes). Only admitted requests count.
 */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(public limitPerSecond: number | undefined) {}

  admit(apiKey: string, nowMs: number): boolean {
    if (this.limitPerSecond === undefined) return true;
    const window = (this.windows.get(apiKey) ?? []).filter((t) => nowMs - t < 1000);
    if (window.length >= this.limitPerSecond) {
      this.windows.set(apiKey, window);
      return false;
    }
    window.push(nowMs);
    this.windows.set(apiKey, window);
    return true;
  }

  clear(): void {
    this.windows.clear();
  }
}
