import type { EmulatorClock } from "./clock.js";
import type { FormObject } from "./form-encoding.js";
import type { StripeEvent } from "./objects.js";
import { type Random, randomToken } from "./random.js";
import type { EmulatorState } from "./state.js";

/** Who caused a change: an API request, or nobody (dashboard edits, automatic transitions). */
export interface Origin {
  id: string | null;
  idempotencyKey: string | null;
}

export const NO_REQUEST: Origin = { id: null, idempotencyKey: null };

export interface EngineOptions {
  apiVersion: string;
  searchDelayMs: number;
  quantityUpdatesPerHour: number | undefined;
}

/** What every operation needs: state, time, ids and the event log. */
export class Engine {
  baseUrl = "";

  constructor(
    readonly state: EmulatorState,
    readonly clock: EmulatorClock,
    private readonly random: Random,
    readonly options: EngineOptions,
  ) {}

  /** Stripe-like ids: `cus_` + 14 chars, most others `+ 24` chars. */
  newId(prefix: string, length = 24): string {
    return `${prefix}_${randomToken(this.random, length)}`;
  }

  /** Makes an object visible to search after the configured indexing delay. */
  indexForSearch(id: string): void {
    this.state.searchVisibleAt.set(id, this.clock.nowMs() + this.options.searchDelayMs);
  }

  recordEvent(
    type: string,
    object: unknown,
    origin: Origin,
    previousAttributes?: Record<string, unknown>,
  ): StripeEvent {
    const event: StripeEvent = {
      id: this.newId("evt"),
      object: "event",
      api_version: this.options.apiVersion,
      created: this.clock.now(),
      data: {
        object: structuredClone(object),
        ...(previousAttributes === undefined
          ? {}
          : { previous_attributes: structuredClone(previousAttributes) }),
      },
      livemode: false,
      pending_webhooks: 0,
      request: { id: origin.id, idempotency_key: origin.idempotencyKey },
      type,
    };
    this.state.events.set(event.id, event);
    return event;
  }
}

export interface RequestContext {
  engine: Engine;
  params: FormObject;
  pathParams: Record<string, string>;
  origin: Origin;
}

export interface Route {
  method: "GET" | "POST" | "DELETE";
  /** `/v1/customers/:id` */
  path: string;
  /** Whether the endpoint changes state (POST search/preview endpoints do not). */
  write: boolean;
  handle(context: RequestContext): unknown;
}

/** The top-level keys whose values differ, with their old values: `previous_attributes`. */
export function previousAttributes(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): Record<string, unknown> {
  const changed: Record<string, unknown> = {};
  for (const key of Object.keys(before)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changed[key] = before[key];
  }
  return changed;
}
