import { isIP } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";

const here = path.dirname(fileURLToPath(import.meta.url));
export const defaultCatalogPath = path.join(here, "catalog", "default-catalog.json");

const port = z.coerce.number().int().min(0).max(65535);
const quota = z.coerce.number().int().min(1).max(10_000_000);

/** proxy-addr's names for address ranges, accepted by Fastify's `trustProxy` as they are. */
const namedRanges = new Set(["loopback", "linklocal", "uniquelocal"]);

function isAddressOrRange(entry: string): boolean {
  if (namedRanges.has(entry)) return true;
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * Which peers may speak for the client through `X-Forwarded-For` (and `-Proto`, `-Host`):
 * `false` (default: the socket's address is the client), a number of proxy hops, or a comma list
 * of addresses, CIDR ranges and proxy-addr's `loopback`/`linklocal`/`uniquelocal`. `true`
 * (trust any peer) is refused: anyone reaching the port directly could then pick the address
 * that log-in throttling counts against.
 */
const trustProxy = z
  .string()
  .default("false")
  .transform((value, context): false | number | string[] => {
    const text = value.trim();
    if (text === "false") return false;
    if (/^\d+$/.test(text)) return Number(text);
    const entries = text.split(",").map((entry) => entry.trim());
    const wrong = entries.filter((entry) => !isAddressOrRange(entry));
    if (wrong.length === 0) return entries;
    context.addIssue({
      code: "custom",
      message: `must be false, a number of hops, or addresses/CIDR ranges (not ${wrong.join(", ")})`,
    });
    return z.NEVER;
  });

const schema = z.object({
  PORT: port.default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  KTRLPLANE_DATA_DIR: z.string().min(1).default(".ktrlplane"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  KTRLPLANE_CATALOG: z.string().min(1).default(defaultCatalogPath),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  STRIPE_SECRET_KEY: z.string().startsWith("sk_", "must start with sk_").optional(),
  STRIPE_API_BASE: z.url().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().startsWith("whsec_", "must start with whsec_").optional(),
  STRIPE_REQUESTS_PER_SECOND: z.coerce.number().positive().max(100).default(20),
  KTRLPLANE_PUBLIC_URL: z.url().optional(),
  KTRLPLANE_WORKER: z.enum(["on", "off"]).default("on"),
  KTRLPLANE_SYNC_DEBOUNCE_MS: z.coerce.number().int().min(0).max(60_000).default(250),
  KTRLPLANE_SYNC_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  KTRLPLANE_FULL_SYNC_INTERVAL_S: z.coerce.number().int().min(10).default(3600),
  KTRLPLANE_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  KTRLPLANE_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  KTRLPLANE_TRUST_PROXY: trustProxy,
  // Per organization: what it may hold at once (see src/limits/check-quota.ts).
  KTRLPLANE_QUOTA_PROJECTS: quota.default(1_000),
  KTRLPLANE_QUOTA_RESOURCES: quota.default(10_000),
  KTRLPLANE_QUOTA_BILLING_ACCOUNTS: quota.default(100),
  KTRLPLANE_QUOTA_MEMBERS: quota.default(1_000),
  // Per process: year-long cost breakdowns in the database at once; more wait their turn.
  KTRLPLANE_COST_QUERIES_AT_ONCE: z.coerce.number().int().min(1).max(64).default(1),
  // Per caller (user or machine token, else client address): requests per window, 0 = off.
  KTRLPLANE_RATE_LIMIT: z.coerce.number().int().min(0).default(120_000),
  KTRLPLANE_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
});

export type Config = z.infer<typeof schema>;

/** Reads and validates the environment once, at boot; every message names the variable at fault. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant = Object.fromEntries(
    Object.keys(schema.shape).map((key) => [key, env[key] === "" ? undefined : env[key]]),
  );
  const parsed = schema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join(".")}: ${issue.message}`,
    );
    throw new Error(`Invalid configuration:\n${problems.join("\n")}`);
  }
  if (parsed.data.STRIPE_API_BASE && !parsed.data.STRIPE_SECRET_KEY) {
    throw new Error("Invalid configuration:\n  STRIPE_API_BASE: needs STRIPE_SECRET_KEY as well");
  }
  return parsed.data;
}

/** For the entry points: a configuration error is a message and exit code 1, not a stack trace. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    // Plain text on stderr, not a log line: there is no logger yet (LOG_LEVEL itself may be the
    // variable at fault), and the person starting the process reads this message as it is.
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }
}
