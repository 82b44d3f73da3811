import Stripe from "stripe";

export interface EmulatorClientOptions {
  apiKey?: string;
  maxNetworkRetries?: number;
  /**
   * The SDK waits at least 0.5 s before a retry (`getInitialNetworkRetryDelay`, doubled per
   * attempt up to 5 s, with jitter). Tests override that method on the instance to keep chaos
   * suites fast; the retry decision itself stays the SDK's.
   */
  initialRetryDelaySeconds?: number;
  timeoutMs?: number;
}

/** A real `stripe` SDK client pointed at the emulator. */
export function createEmulatorClient(
  target: { host: string; port: number },
  options: EmulatorClientOptions = {},
): Stripe {
  const stripe = new Stripe(options.apiKey ?? "sk_test_emulator", {
    host: target.host,
    port: target.port,
    protocol: "http",
    maxNetworkRetries: options.maxNetworkRetries ?? 0,
    timeout: options.timeoutMs ?? 10_000,
    telemetry: false,
  });
  const delay = options.initialRetryDelaySeconds ?? 0.01;
  stripe.getInitialNetworkRetryDelay = () => delay;
  return stripe;
}
