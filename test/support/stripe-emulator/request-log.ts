import type { FaultKind } from "./faults.js";
import type { FormObject } from "./form-encoding.js";

/** One request as the emulator saw it, for assertions. */
export interface RecordedRequest {
  requestId: string;
  method: string;
  path: string;
  params: FormObject;
  apiKey: string | null;
  idempotencyKey: string | null;
  stripeVersion: string | null;
  /** Status the emulator produced (also when the connection was then dropped). */
  status: number;
  /** Wall-clock ms when the request arrived. */
  timestamp: number;
  durationMs: number;
  /** Whether the endpoint changes state (creates/updates/deletes; not search or previews). */
  write: boolean;
  /** Answered from the idempotency store instead of executing. */
  replayed: boolean;
  /** The injected fault, if any. */
  fault: FaultKind | null;
  /** Stripe error type/code when the status is not 2xx. */
  errorCode: string | null;
}

export type RequestFilter = (request: RecordedRequest) => boolean;

/** Writes that really changed state: executed (not replayed) and successful. */
export function isAppliedWrite(request: RecordedRequest): boolean {
  return request.write && !request.replayed && request.status >= 200 && request.status < 300;
}

/** The largest number of requests that started within any one-second window. */
export function peakPerSecond(requests: readonly RecordedRequest[]): number {
  const times = requests.map((r) => r.timestamp).sort((a, b) => a - b);
  let peak = 0;
  let start = 0;
  for (let end = 0; end < times.length; end++) {
    while ((times[end] as number) - (times[start] as number) >= 1000) start++;
    peak = Math.max(peak, end - start + 1);
  }
  return peak;
}
