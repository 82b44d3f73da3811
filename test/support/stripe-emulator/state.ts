import type {
  CheckoutSession,
  Customer,
  Invoice,
  InvoiceItem,
  Meter,
  MeterEvent,
  PaymentMethod,
  Price,
  Product,
  SetupIntent,
  StripeEvent,
  Subscription,
  SubscriptionItem,
} from "./objects.js";

/**
 * Everything the emulated account holds. Maps keep insertion order, which is creation order;
 * lists are answered newest first, as Stripe does.
 */
export class EmulatorState {
  readonly customers = new Map<string, Customer>();
  readonly products = new Map<string, Product>();
  readonly prices = new Map<string, Price>();
  readonly subscriptions = new Map<string, Subscription>();
  /** The same item objects as in `subscriptions.get(id).items.data`, indexed by item id. */
  readonly subscriptionItems = new Map<string, SubscriptionItem>();
  readonly invoices = new Map<string, Invoice>();
  readonly invoiceItems = new Map<string, InvoiceItem>();
  readonly checkoutSessions = new Map<string, CheckoutSession>();
  readonly paymentMethods = new Map<string, PaymentMethod>();
  readonly setupIntents = new Map<string, SetupIntent>();
  readonly meters = new Map<string, Meter>();
  readonly meterEvents: MeterEvent[] = [];
  readonly events = new Map<string, StripeEvent>();
  /** When (emulator ms) each object becomes visible to search: Stripe's index lags writes. */
  readonly searchVisibleAt = new Map<string, number>();
  /** Deleted objects (id → object type): retrieving them answers `{ id, object, deleted: true }`. */
  readonly deleted = new Map<string, string>();

  /** Finds any stored object by id, for `expand[]`. */
  findById(id: string): { object: string } | undefined {
    for (const map of this.allMaps()) {
      const found = map.get(id);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  clear(): void {
    for (const map of this.allMaps()) map.clear();
    this.meterEvents.length = 0;
    this.events.clear();
    this.searchVisibleAt.clear();
    this.deleted.clear();
  }

  private allMaps(): Map<string, { object: string }>[] {
    return [
      this.customers,
      this.products,
      this.prices,
      this.subscriptions,
      this.subscriptionItems,
      this.invoices,
      this.invoiceItems,
      this.checkoutSessions,
      this.paymentMethods,
      this.setupIntents,
      this.meters,
    ];
  }
}

/** The read-only view tests get as `emulator.state`. */
export interface EmulatorStateView {
  readonly customers: ReadonlyMap<string, Readonly<Customer>>;
  readonly products: ReadonlyMap<string, Readonly<Product>>;
  readonly prices: ReadonlyMap<string, Readonly<Price>>;
  readonly subscriptions: ReadonlyMap<string, Readonly<Subscription>>;
  readonly subscriptionItems: ReadonlyMap<string, Readonly<SubscriptionItem>>;
  readonly invoices: ReadonlyMap<string, Readonly<Invoice>>;
  readonly invoiceItems: ReadonlyMap<string, Readonly<InvoiceItem>>;
  readonly checkoutSessions: ReadonlyMap<string, Readonly<CheckoutSession>>;
  readonly paymentMethods: ReadonlyMap<string, Readonly<PaymentMethod>>;
  readonly setupIntents: ReadonlyMap<string, Readonly<SetupIntent>>;
  readonly meters: ReadonlyMap<string, Readonly<Meter>>;
  readonly meterEvents: readonly Readonly<MeterEvent>[];
  readonly events: ReadonlyMap<string, Readonly<StripeEvent>>;
}
