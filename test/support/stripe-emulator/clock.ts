/**
 * The emulator's notion of "now", in Unix seconds like Stripe's timestamps. It follows the wall
 * clock plus an offset, so tests can move time forward (period ends, idempotency expiry)
 * without waiting.
 */
export class EmulatorClock {
  private offsetMs = 0;

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  advance(seconds: number): void {
    this.offsetMs += seconds * 1000;
  }

  set(unixSeconds: number): void {
    this.offsetMs = unixSeconds * 1000 - Date.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
