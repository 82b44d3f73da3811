import {
  type DestinationStream,
  type Logger,
  type LoggerOptions,
  pino,
  stdSerializers,
} from "pino";
import type { Config } from "../config.js";

export type { Logger } from "pino";

const censor = "[redacted]";

/**
 * Places that always hold a secret, redacted by pino itself (after serializers ran). Fastify's
 * own `req` serializer leaves headers out; these cover anyone logging headers by hand.
 */
export const redactPaths = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["stripe-signature"]',
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
  'headers["stripe-signature"]',
  'headers["set-cookie"]',
];

/** Any field named like a secret, at any depth of a plain object, is never written out. */
const secretKey =
  /authorization|cookie|password|passwd|secret|token|api[-_]?key|signature|credential|^sk$/i;

/**
 * Secrets that may hide in free text (an error message, a URL): Stripe keys and webhook secrets,
 * bearer tokens, a password in a connection string.
 */
const secretText: [RegExp, string][] = [
  [/\b(sk|rk|pk)_(live|test)_[A-Za-z0-9]+/g, `$1_$2_${censor}`],
  [/\bwhsec_[A-Za-z0-9]+/g, `whsec_${censor}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${censor}`],
  [/(\/\/[^:/@\s]+:)[^@/\s]+@/g, `$1${censor}@`],
];

/**
 * Any of the patterns above, case aside: one test that finds nothing in almost every string
 * (every request's log line scrubs its method and path), so the replacements run only when it
 * does find something.
 */
const maybeSecretText = new RegExp(secretText.map(([pattern]) => pattern.source).join("|"), "i");

export function scrubText(text: string): string {
  if (!maybeSecretText.test(text)) return text;
  let result = text;
  for (const [pattern, replacement] of secretText) result = result.replace(pattern, replacement);
  return result;
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value);
}

/**
 * A copy of a logged value with secret-named fields censored and secret-looking text scrubbed.
 * Only plain objects and arrays are walked (a request or a socket is left to its serializer).
 */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value === null || typeof value !== "object" || depth > 8 || !isPlain(value)) return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] =
      secretKey.test(key) && field !== undefined && field !== null
        ? censor
        : scrubSecrets(field, depth + 1);
  }
  return copy;
}

/** How long a log line may wait for others before it is written out, ms. */
const logBatchMs = 100;

/**
 * Standard output in batches: lines collect up to 4 KiB, or `logBatchMs`, and go out in one
 * asynchronous write. pino's own stdout writes each line on its own, a system call and a thread-pool
 * job per request at one line per request (BENCHMARKS.md, start-config). Lines at `error` and above
 * are written at once (`createLogger`), and pino writes whatever waits synchronously when the
 * process exits (`pino.destination` registers that), so an exit or a crash loses nothing; a
 * SIGKILL may lose the last `logBatchMs`.
 */
function batchedStdout(): DestinationStream {
  // One per process, shared by every logger writing to stdout: one file descriptor, one order.
  stdout ??= pino.destination({ fd: 1, sync: false, minLength: 4096, periodicFlush: logBatchMs });
  return stdout;
}

let stdout: DestinationStream | undefined;

/**
 * The one logger of the process, built once from the configuration and carried on the
 * application context (`ctx.log`); the HTTP server, the reconciler and the CLIs all log through
 * it or its children. Secrets are redacted here and nowhere else.
 */
export function createLogger(options: {
  level: Config["LOG_LEVEL"];
  /** Where lines go: stdout by default; the CLIs send logs to stderr (2) and their report to stdout. */
  destination?: DestinationStream | number;
}): Logger {
  const destination =
    typeof options.destination === "number"
      ? pino.destination({ fd: options.destination, sync: true })
      : (options.destination ?? batchedStdout());
  const settings: LoggerOptions = {
    level: options.level,
    redact: { paths: redactPaths, censor },
    serializers: {
      // pino's serialized error has its own prototype: spread it into a plain object first.
      err: (error: Error) => scrubSecrets({ ...stdSerializers.err(error) }),
    },
    formatters: {
      log: (object) => scrubSecrets(object) as Record<string, unknown>,
    },
    hooks: {
      // The message text itself: `log.warn("failed: " + error.message)` must not leak either.
      logMethod(args, method, level) {
        method.apply(
          this,
          args.map((arg) => (typeof arg === "string" ? scrubText(arg) : arg)) as typeof args,
        );
        // An error is worth a write of its own: whoever watches the logs sees it at once.
        if (level >= errorLevel) this.flush();
      },
    },
  };
  return pino(settings, destination);
}

const errorLevel = pino.levels.values.error as number;
