import type { Route } from "../engine.js";
import { ParamError } from "../errors.js";
import { parseParams, required, str } from "../params.js";
import { getCustomer } from "./customers.js";

/**
 * `POST /v1/billing_portal/sessions` (https://docs.stripe.com/api/customer_portal/sessions/create):
 * a short-lived link to the hosted customer portal for an existing customer, where the customer
 * changes the payment method and sees Stripe's invoices. `customer` is required and must exist;
 * `return_url` is where the portal's "return" link goes (the configuration's default otherwise).
 * Sessions have no retrieve endpoint, so the emulator keeps none; the page is not served.
 */
export const billingPortalRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/billing_portal/sessions",
    write: true,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          customer: required(str()),
          return_url: str(),
          configuration: str(),
          locale: str(),
        },
        params,
      );
      // A deleted customer is gone: `resource_missing` like one that never existed.
      const customer = getCustomer(engine, p.customer, "customer");
      if (p.return_url !== undefined && !/^https?:\/\//.test(p.return_url)) {
        throw new ParamError("Not a valid URL", { code: "url_invalid", param: "return_url" });
      }
      const id = engine.newId("bps");
      return {
        id,
        object: "billing_portal.session",
        configuration: p.configuration ?? "bpc_default",
        created: engine.clock.now(),
        customer: customer.id,
        flow: null,
        livemode: false,
        locale: p.locale ?? null,
        on_behalf_of: null,
        return_url: p.return_url ?? null,
        url: `${engine.baseUrl}/p/session/${id}`,
      };
    },
  },
];
