import type { FormValue } from "./form-encoding.js";

/**
 * The Stripe-shaped objects the emulator stores. They are a faithful subset of the fields of
 * API version 2026-10-28 (items carry `current_period_*`; subscriptions no longer do), enough for
 * the SDK's types and for the billing reconciler; fields we never compute are present as `null`.
 */
export type Metadata = Record<string, string>;

export interface ApiList<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  url: string;
  total_count?: number;
}

export interface Customer {
  id: string;
  object: "customer";
  address: FormValue | null;
  balance: number;
  created: number;
  currency: string | null;
  default_source: null;
  delinquent: boolean;
  description: string | null;
  email: string | null;
  invoice_prefix: string;
  invoice_settings: {
    custom_fields: null;
    default_payment_method: string | null;
    footer: null;
    rendering_options: null;
  };
  livemode: false;
  metadata: Metadata;
  name: string | null;
  next_invoice_sequence: number;
  phone: string | null;
  preferred_locales: string[];
  shipping: null;
  tax_exempt: "none";
  test_clock: null;
}

export interface Product {
  id: string;
  object: "product";
  active: boolean;
  created: number;
  default_price: string | null;
  description: string | null;
  images: string[];
  livemode: false;
  marketing_features: never[];
  metadata: Metadata;
  name: string;
  package_dimensions: null;
  shippable: null;
  statement_descriptor: string | null;
  tax_code: string | null;
  type: "service";
  unit_label: string | null;
  updated: number;
  url: string | null;
}

export interface PriceTier {
  flat_amount: number | null;
  flat_amount_decimal: string | null;
  unit_amount: number | null;
  unit_amount_decimal: string | null;
  up_to: number | null;
}

export type RecurringInterval = "day" | "week" | "month" | "year";

export interface Price {
  id: string;
  object: "price";
  active: boolean;
  billing_scheme: "per_unit" | "tiered";
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: string | null;
  metadata: Metadata;
  nickname: string | null;
  product: string;
  recurring: {
    interval: RecurringInterval;
    interval_count: number;
    meter: string | null;
    trial_period_days: null;
    usage_type: "licensed" | "metered";
  } | null;
  tax_behavior: "exclusive" | "inclusive" | "unspecified";
  /** Only sent when expanded (`expand[]=tiers`), as Stripe does. */
  tiers?: PriceTier[];
  tiers_mode: "graduated" | "volume" | null;
  /** Per-unit prices only: the quantity is divided and rounded before it is priced (packages). */
  transform_quantity: { divide_by: number; round: "up" | "down" } | null;
  type: "one_time" | "recurring";
  unit_amount: number | null;
  unit_amount_decimal: string | null;
}

export interface SubscriptionItem {
  id: string;
  object: "subscription_item";
  billing_thresholds: null;
  created: number;
  current_period_end: number;
  current_period_start: number;
  discounts: string[];
  metadata: Metadata;
  plan: Record<string, unknown>;
  price: Price;
  quantity?: number;
  subscription: string;
  tax_rates: never[];
}

export type SubscriptionStatus =
  | "active"
  | "canceled"
  | "incomplete"
  | "incomplete_expired"
  | "past_due"
  | "paused"
  | "trialing"
  | "unpaid";

export interface Subscription {
  id: string;
  object: "subscription";
  billing_cycle_anchor: number;
  cancel_at: number | null;
  cancel_at_period_end: boolean;
  canceled_at: number | null;
  cancellation_details: { comment: string | null; feedback: string | null; reason: string | null };
  collection_method: "charge_automatically" | "send_invoice";
  created: number;
  currency: string;
  customer: string;
  days_until_due: number | null;
  default_payment_method: string | null;
  description: string | null;
  discounts: string[];
  ended_at: number | null;
  items: ApiList<SubscriptionItem>;
  latest_invoice: string | null;
  livemode: false;
  metadata: Metadata;
  pause_collection: null;
  payment_settings: { payment_method_types: null; save_default_payment_method: string };
  pending_update: null;
  schedule: null;
  start_date: number;
  status: SubscriptionStatus;
  test_clock: null;
  trial_end: number | null;
  trial_start: number | null;
}

export interface InvoiceLine {
  id: string;
  object: "line_item";
  amount: number;
  currency: string;
  description: string;
  discount_amounts: never[];
  discountable: boolean;
  discounts: never[];
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  parent: {
    type: "subscription_item_details" | "invoice_item_details";
    subscription_item_details: {
      invoice_item: string | null;
      proration: boolean;
      proration_details: { credited_items: null };
      subscription: string | null;
      subscription_item: string;
    } | null;
    invoice_item_details: {
      invoice_item: string;
      proration: boolean;
      proration_details: { credited_items: null };
      subscription: string | null;
    } | null;
  };
  period: { start: number; end: number };
  pretax_credit_amounts: never[];
  pricing: {
    type: "price_details";
    price_details: { price: string; product: string };
    unit_amount_decimal: string | null;
  } | null;
  quantity: number | null;
  subtotal: number;
  taxes: never[];
}

export type InvoiceStatus = "draft" | "open" | "paid" | "uncollectible" | "void";

export interface Invoice {
  id: string;
  object: "invoice";
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  attempted: boolean;
  /** When a draft will be finalized (renewals: an hour after creation); null once it is. */
  automatically_finalizes_at: number | null;
  billing_reason: string | null;
  collection_method: "charge_automatically" | "send_invoice";
  created: number;
  currency: string;
  customer: string;
  default_payment_method: string | null;
  description: string | null;
  discounts: never[];
  due_date: number | null;
  /** Assigned at finalization, like the hosted page and the PDF. */
  hosted_invoice_url: string | null;
  invoice_pdf: string | null;
  lines: ApiList<InvoiceLine>;
  livemode: false;
  metadata: Metadata;
  /** `<customer invoice_prefix>-0001`, assigned at finalization. */
  number: string | null;
  parent: {
    type: "subscription_details";
    subscription_details: { metadata: Metadata; subscription: string };
  } | null;
  period_end: number;
  period_start: number;
  status: InvoiceStatus | null;
  status_transitions: {
    finalized_at: number | null;
    marked_uncollectible_at: number | null;
    paid_at: number | null;
    voided_at: number | null;
  };
  subtotal: number;
  subtotal_excluding_tax: number;
  total: number;
  total_excluding_tax: number;
}

/** A pending proration, billed on the subscription's next invoice. */
export interface InvoiceItem {
  id: string;
  object: "invoiceitem";
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string;
  invoice: string | null;
  livemode: false;
  metadata: Metadata;
  /** Null for a customer's own item (created with `customer`, `amount`, `currency`). */
  parent: {
    type: "subscription_details";
    subscription_details: { subscription: string; subscription_item: string };
  } | null;
  period: { start: number; end: number };
  /** Null for an item created with an `amount` rather than a price. */
  pricing: {
    type: "price_details";
    price_details: { price: string; product: string };
    unit_amount_decimal: string | null;
  } | null;
  proration: boolean;
  quantity: number;
}

export interface CheckoutSession {
  id: string;
  object: "checkout.session";
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string | null;
  customer: string | null;
  expires_at: number;
  livemode: false;
  metadata: Metadata;
  mode: "setup";
  payment_method_types: string[];
  payment_status: "no_payment_required";
  setup_intent: string | null;
  status: "open" | "complete" | "expired";
  success_url: string | null;
  url: string | null;
}

export interface PaymentMethod {
  id: string;
  object: "payment_method";
  billing_details: { address: null; email: string | null; name: string | null; phone: null };
  card: {
    brand: string;
    country: string;
    exp_month: number;
    exp_year: number;
    funding: string;
    last4: string;
  };
  created: number;
  customer: string | null;
  livemode: false;
  metadata: Metadata;
  type: "card";
}

export interface SetupIntent {
  id: string;
  object: "setup_intent";
  created: number;
  customer: string | null;
  livemode: false;
  metadata: Metadata;
  payment_method: string | null;
  status: "requires_payment_method" | "succeeded" | "canceled";
  usage: "off_session";
}

export interface Meter {
  id: string;
  object: "billing.meter";
  created: number;
  customer_mapping: { event_payload_key: string; type: "by_id" };
  default_aggregation: { formula: "count" | "last" | "sum" };
  display_name: string;
  event_name: string;
  event_time_window: "day" | "hour" | null;
  livemode: false;
  status: "active" | "inactive";
  status_transitions: { deactivated_at: number | null };
  updated: number;
  value_settings: { event_payload_key: string };
}

export interface MeterEvent {
  object: "billing.meter_event";
  created: number;
  event_name: string;
  identifier: string;
  livemode: false;
  payload: Record<string, string>;
  timestamp: number;
}

export interface StripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  data: { object: unknown; previous_attributes?: Record<string, unknown> };
  livemode: false;
  pending_webhooks: number;
  /** `id` is null for changes not made through the API (dashboard, automatic). */
  request: { id: string | null; idempotency_key: string | null };
  type: string;
}

export interface DeletedObject {
  id: string;
  object: string;
  deleted: true;
}
