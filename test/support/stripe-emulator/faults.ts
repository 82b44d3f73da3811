import { type Random, seededRandom } from "./random.js";

/** Latency in ms: fixed, or a `[min, max]` range drawn uniformly. */
export type Latency = number | readonly [number, number];

export interface FaultSpec {
  /** Probability of a 500 `api_error` with `stripe-should-retry: true`, before the endpoint runs. */
  errorRate?: number;
  /** Delay before the request is handled. */
  latencyMs?: Latency;
  /** Probability of destroying the socket without any response, before the endpoint runs. */
  dropConnectionRate?: number;
  /** Probability (writes only) of applying the write, storing the idempotent response, then
   *  destroying the socket: the client sees a connection error for a write that happened. */
  failAfterWriteRate?: number;
  /** Probability of a 429 `rate_limit` with `stripe-should-retry: true`. */
  rateLimitRate?: number;
}

export interface FaultMatch {
  /** `/v1/subscriptions*` (`*` matches anything) or a RegExp tested against the path. */
  path?: string | RegExp;
  method?: string;
  /** How many times the rule may fire before it is removed; unlimited when absent. */
  times?: number;
}

export type FaultRule = FaultSpec & FaultMatch;

export type FaultKind = "drop" | "error" | "rateLimit" | "failAfterWrite";

/** What to do to one request; decided up front so the RNG sequence is stable per request. */
export interface FaultPlan {
  latencyMs: number;
  before: Exclude<FaultKind, "failAfterWrite"> | null;
  failAfterWrite: boolean;
  /** Called when a planned fault actually fires, to spend the matching rule's `times`. */
  fired(kind: FaultKind): void;
}

interface ActiveRule {
  rule: FaultRule;
  remaining: number;
}

function globToRegExp(glob: string): RegExp {
  const escaped = glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

/**
 * Runtime-settable fault injection. Set the global rates directly (`faults.errorRate = 0.1`)
 * or add rules scoped to a path / method / number of firings (`faults.once({...}, {...})`).
 * A matching rule overrides the global value for the fields it sets; later rules win.
 */
export class FaultInjector implements FaultSpec {
  errorRate = 0;
  latencyMs: Latency = 0;
  dropConnectionRate = 0;
  failAfterWriteRate = 0;
  rateLimitRate = 0;
  private rules: ActiveRule[] = [];
  private random: Random;

  constructor(seed: number = Date.now()) {
    this.random = seededRandom(seed);
  }

  /** Restarts the generator: the same seed and configuration give the same faults. */
  seed(seed: number): void {
    this.random = seededRandom(seed);
  }

  /** Sets several global values at once. */
  set(spec: FaultSpec): void {
    Object.assign(this, spec);
  }

  /** Adds a rule; returns a function removing it. */
  add(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, remaining: rule.times ?? Number.POSITIVE_INFINITY };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  /** A rule that fires once, e.g. `faults.once({ failAfterWriteRate: 1 }, { path: "/v1/customers" })`. */
  once(spec: FaultSpec, match: Omit<FaultMatch, "times"> = {}): () => void {
    return this.add({ ...spec, ...match, times: 1 });
  }

  /** Removes every rule and zeroes the global values. */
  clear(): void {
    this.rules = [];
    this.errorRate = 0;
    this.latencyMs = 0;
    this.dropConnectionRate = 0;
    this.failAfterWriteRate = 0;
    this.rateLimitRate = 0;
  }

  get activeRules(): readonly FaultRule[] {
    return this.rules.map((r) => r.rule);
  }

  plan(method: string, path: string, isWrite: boolean): FaultPlan {
    const matching = this.rules.filter((r) => this.matches(r.rule, method, path));
    const pick = <K extends keyof FaultSpec>(
      key: K,
    ): { value: NonNullable<FaultSpec[K]>; rule: ActiveRule | null } => {
      for (let i = matching.length - 1; i >= 0; i--) {
        const r = matching[i] as ActiveRule;
        const value = r.rule[key];
        if (value !== undefined) return { value: value as NonNullable<FaultSpec[K]>, rule: r };
      }
      return { value: this[key] as NonNullable<FaultSpec[K]>, rule: null };
    };
    const roll = (rate: number): boolean => {
      if (rate <= 0) return false;
      if (rate >= 1) return true;
      return this.random() < rate;
    };

    const latency = pick("latencyMs");
    const drop = pick("dropConnectionRate");
    const rateLimit = pick("rateLimitRate");
    const error = pick("errorRate");
    const afterWrite = pick("failAfterWriteRate");

    const latencyMs =
      typeof latency.value === "number"
        ? latency.value
        : latency.value[0] + this.random() * (latency.value[1] - latency.value[0]);

    let before: FaultPlan["before"] = null;
    if (roll(drop.value)) before = "drop";
    else if (roll(rateLimit.value)) before = "rateLimit";
    else if (roll(error.value)) before = "error";
    const failAfterWrite = before === null && isWrite && roll(afterWrite.value);

    const ruleFor: Record<FaultKind, ActiveRule | null> = {
      drop: drop.rule,
      rateLimit: rateLimit.rule,
      error: error.rule,
      failAfterWrite: afterWrite.rule,
    };
    return {
      latencyMs,
      before,
      failAfterWrite,
      fired: (kind) => {
        const rule = ruleFor[kind];
        if (rule === null) return;
        rule.remaining -= 1;
        if (rule.remaining <= 0) this.rules = this.rules.filter((r) => r !== rule);
      },
    };
  }

  private matches(rule: FaultRule, method: string, path: string): boolean {
    if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
    if (rule.path === undefined) return true;
    const pattern = typeof rule.path === "string" ? globToRegExp(rule.path) : rule.path;
    return pattern.test(path);
  }
}
