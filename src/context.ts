import type { Catalog } from "./catalog/load-catalog.js";
import type { Database } from "./db/database.js";
import type { BillingProvider } from "./providers/billing-provider.js";

/** What every use case may rely on, built once at boot by `main.ts` (or by a test). */
export interface AppContext {
  db: Database;
  catalog: Catalog;
  provider: BillingProvider;
  /** The only source of "now": tests move it to check proration and periods. */
  clock: () => Date;
  /** Where people reach the console: return addresses for payment set-up point here. */
  publicUrl: string;
}
