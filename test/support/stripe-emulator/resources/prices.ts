import { type Engine, previousAttributes, type Route } from "../engine.js";
import { invalidRequest, ParamError, resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import type { Price, PriceTier } from "../objects.js";
import {
  arr,
  bool,
  decimalString,
  emptyable,
  int,
  listShape,
  mergeMetadata,
  metadata,
  obj,
  oneOf,
  parseParams,
  required,
  str,
} from "../params.js";
import { createProduct, getProduct } from "./products.js";

const tierShape = obj({
  up_to: required(str()),
  unit_amount: int(0),
  unit_amount_decimal: decimalString(),
  flat_amount: int(0),
  flat_amount_decimal: decimalString(),
});

const createShape = {
  currency: required(str()),
  product: str(),
  product_data: obj({
    name: required(str()),
    id: str(),
    active: bool(),
    metadata: metadata(),
    statement_descriptor: str(),
    tax_code: str(),
    unit_label: str(),
  }),
  unit_amount: int(0),
  unit_amount_decimal: decimalString(),
  billing_scheme: oneOf("per_unit", "tiered"),
  tiers: arr(tierShape),
  tiers_mode: oneOf("graduated", "volume"),
  transform_quantity: obj({ divide_by: required(int(1)), round: required(oneOf("up", "down")) }),
  // `aggregate_usage` is gone since 2025-03-31.basil: sending it is a `parameter_unknown`.
  recurring: obj({
    interval: required(oneOf("day", "week", "month", "year")),
    interval_count: int(1),
    usage_type: oneOf("licensed", "metered"),
    meter: str(),
  }),
  lookup_key: str(),
  transfer_lookup_key: bool(),
  metadata: metadata(),
  nickname: str(),
  active: bool(),
  tax_behavior: oneOf("exclusive", "inclusive", "unspecified"),
};

export function getPrice(engine: Engine, id: string, param?: string): Price {
  const price = engine.state.prices.get(id);
  if (price === undefined) throw resourceMissing("price", id, param);
  return price;
}

function parseTiers(tiers: ReturnType<typeof tierShape.parse>[]): PriceTier[] {
  let previous = 0;
  return tiers.map((tier, index) => {
    const param = `tiers[${index}][up_to]`;
    const last = index === tiers.length - 1;
    let upTo: number | null;
    if (tier.up_to === "inf") {
      if (!last) throw new ParamError("Only the last tier can have `up_to: 'inf'`.", { param });
      upTo = null;
    } else {
      if (!/^\d+$/.test(tier.up_to)) {
        throw new ParamError(`Invalid integer: ${tier.up_to}`, {
          code: "parameter_invalid_integer",
          param,
        });
      }
      upTo = Number(tier.up_to);
      if (last) throw new ParamError("The last tier must have `up_to: 'inf'`.", { param });
      if (upTo <= previous) {
        throw new ParamError("Tiers must be sorted by ascending `up_to`.", { param });
      }
      previous = upTo;
    }
    if (
      tier.unit_amount === undefined &&
      tier.unit_amount_decimal === undefined &&
      tier.flat_amount === undefined &&
      tier.flat_amount_decimal === undefined
    ) {
      throw new ParamError("Each tier needs a unit_amount or a flat_amount.", {
        param: `tiers[${index}]`,
      });
    }
    return {
      flat_amount: tier.flat_amount ?? null,
      flat_amount_decimal:
        tier.flat_amount_decimal ??
        (tier.flat_amount === undefined ? null : String(tier.flat_amount)),
      unit_amount: tier.unit_amount ?? null,
      unit_amount_decimal:
        tier.unit_amount_decimal ??
        (tier.unit_amount === undefined ? null : String(tier.unit_amount)),
      up_to: upTo,
    };
  });
}

/** A lookup key names one price at a time; `transfer_lookup_key` moves it, otherwise 400. */
function claimLookupKey(
  engine: Engine,
  key: string,
  transfer: boolean | undefined,
  self: string | null,
) {
  for (const other of engine.state.prices.values()) {
    if (other.lookup_key !== key || other.id === self) continue;
    if (!transfer) {
      throw invalidRequest(
        `A price (\`${other.id}\`) already uses that lookup key.`,
        "lookup_key_already_exists",
        "lookup_key",
      );
    }
    other.lookup_key = null;
  }
}

export const priceRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/prices",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams(createShape, params);
      if (!/^[a-z]{3}$/.test(p.currency)) {
        throw new ParamError(`Invalid currency: ${p.currency}`, { param: "currency" });
      }
      if ((p.product === undefined) === (p.product_data === undefined)) {
        throw new ParamError(
          "You must specify either `product` or `product_data` (and not both).",
          {
            param: "product",
          },
        );
      }
      const scheme = p.billing_scheme ?? "per_unit";
      let tiers: PriceTier[] | undefined;
      if (scheme === "tiered") {
        if (p.tiers === undefined || p.tiers.length === 0) {
          throw new ParamError("Missing required param: tiers.", {
            code: "parameter_missing",
            param: "tiers",
          });
        }
        if (p.tiers_mode === undefined) {
          throw new ParamError("Missing required param: tiers_mode.", {
            code: "parameter_missing",
            param: "tiers_mode",
          });
        }
        if (p.unit_amount !== undefined || p.unit_amount_decimal !== undefined) {
          throw new ParamError("`unit_amount` cannot be used with `billing_scheme=tiered`.", {
            param: "unit_amount",
          });
        }
        tiers = parseTiers(p.tiers);
        // https://docs.stripe.com/api/prices/create#create_price-transform_quantity: "Cannot be
        // combined with tiers".
        if (p.transform_quantity !== undefined) {
          throw new ParamError("`transform_quantity` cannot be combined with `tiers`.", {
            param: "transform_quantity",
          });
        }
      } else {
        if (p.tiers !== undefined || p.tiers_mode !== undefined) {
          throw new ParamError("`tiers` require `billing_scheme=tiered`.", { param: "tiers" });
        }
        if (p.unit_amount === undefined && p.unit_amount_decimal === undefined) {
          throw new ParamError("Missing required param: unit_amount.", {
            code: "parameter_missing",
            param: "unit_amount",
          });
        }
      }
      const usageType = p.recurring?.usage_type ?? "licensed";
      if (usageType === "metered" && p.recurring?.meter === undefined) {
        throw new ParamError("Metered prices must reference a billing meter: recurring[meter].", {
          code: "parameter_missing",
          param: "recurring[meter]",
        });
      }
      if (p.recurring?.meter !== undefined) {
        const meter = engine.state.meters.get(p.recurring.meter);
        if (meter === undefined)
          throw resourceMissing("billing.meter", p.recurring.meter, "recurring[meter]");
        // https://docs.stripe.com/api/billing/meter/deactivate: a deactivated meter cannot be
        // attached to a price.
        if (meter.status !== "active") {
          throw new ParamError(`The meter ${meter.id} is inactive.`, { param: "recurring[meter]" });
        }
      }
      const productId =
        p.product !== undefined
          ? getProduct(engine, p.product, "product").id
          : createProduct(engine, p.product_data as NonNullable<typeof p.product_data>, origin).id;
      if (p.lookup_key !== undefined)
        claimLookupKey(engine, p.lookup_key, p.transfer_lookup_key, null);
      const price: Price = {
        id: engine.newId("price"),
        object: "price",
        active: p.active ?? true,
        billing_scheme: scheme,
        created: engine.clock.now(),
        currency: p.currency,
        custom_unit_amount: null,
        livemode: false,
        lookup_key: p.lookup_key ?? null,
        metadata: mergeMetadata({}, p.metadata),
        nickname: p.nickname ?? null,
        product: productId,
        recurring:
          p.recurring === undefined
            ? null
            : {
                interval: p.recurring.interval,
                interval_count: p.recurring.interval_count ?? 1,
                meter: p.recurring.meter ?? null,
                trial_period_days: null,
                usage_type: usageType,
              },
        tax_behavior: p.tax_behavior ?? "unspecified",
        ...(tiers === undefined ? {} : { tiers }),
        tiers_mode: scheme === "tiered" ? (p.tiers_mode ?? null) : null,
        transform_quantity: p.transform_quantity ?? null,
        type: p.recurring === undefined ? "one_time" : "recurring",
        unit_amount: p.unit_amount ?? null,
        unit_amount_decimal:
          p.unit_amount_decimal ?? (p.unit_amount === undefined ? null : String(p.unit_amount)),
      };
      engine.state.prices.set(price.id, price);
      engine.recordEvent("price.created", price, origin);
      return structuredClone(price);
    },
  },
  {
    method: "GET",
    path: "/v1/prices/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      return structuredClone(getPrice(engine, pathParams.id as string));
    },
  },
  {
    method: "POST",
    path: "/v1/prices/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      // Amounts are immutable on Stripe: only these fields can change.
      const p = parseParams(
        {
          active: bool(),
          lookup_key: emptyable(str()),
          transfer_lookup_key: bool(),
          metadata: metadata(),
          nickname: emptyable(str()),
          tax_behavior: oneOf("exclusive", "inclusive", "unspecified"),
        },
        params,
      );
      const price = getPrice(engine, pathParams.id as string);
      const before = structuredClone(price);
      if (p.lookup_key !== undefined && p.lookup_key !== null) {
        claimLookupKey(engine, p.lookup_key, p.transfer_lookup_key, price.id);
      }
      if (p.lookup_key !== undefined) price.lookup_key = p.lookup_key;
      if (p.active !== undefined) price.active = p.active;
      if (p.nickname !== undefined) price.nickname = p.nickname;
      if (p.tax_behavior !== undefined) price.tax_behavior = p.tax_behavior;
      price.metadata = mergeMetadata(price.metadata, p.metadata);
      engine.recordEvent(
        "price.updated",
        price,
        origin,
        previousAttributes(before as never, price as never),
      );
      return structuredClone(price);
    },
  },
  {
    method: "GET",
    path: "/v1/prices",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          ...listShape,
          active: bool(),
          currency: str(),
          product: str(),
          type: oneOf("one_time", "recurring"),
          lookup_keys: arr(str()),
          recurring: obj({ interval: str(), usage_type: str(), meter: str() }),
        },
        params,
      );
      const all = [...engine.state.prices.values()].filter(
        (x) =>
          (p.active === undefined || x.active === p.active) &&
          (p.currency === undefined || x.currency === p.currency) &&
          (p.product === undefined || x.product === p.product) &&
          (p.type === undefined || x.type === p.type) &&
          (p.lookup_keys === undefined ||
            (x.lookup_key !== null && p.lookup_keys.includes(x.lookup_key))) &&
          (p.recurring?.interval === undefined || x.recurring?.interval === p.recurring.interval) &&
          (p.recurring?.usage_type === undefined ||
            x.recurring?.usage_type === p.recurring.usage_type) &&
          (p.recurring?.meter === undefined || x.recurring?.meter === p.recurring.meter),
      );
      return paginate(all, p, "/v1/prices");
    },
  },
];
