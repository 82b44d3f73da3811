import type { Route } from "../engine.js";
import { resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import { bool, int, listShape, metadata, parseParams, required, str } from "../params.js";
import {
  getSubscription,
  prorationShape,
  renderItem,
  updateSubscription,
} from "./subscription-model.js";

/**
 * Subscription items go through the same update path as `POST /v1/subscriptions/:id`, so the
 * 20-item limit, one-item-per-price rule, prorations and events are identical either way.
 */
export const subscriptionItemRoutes: Route[] = [
  {
    method: "POST",
    path: "/v1/subscription_items",
    write: true,
    handle: ({ engine, params, origin }) => {
      const p = parseParams(
        {
          subscription: required(str()),
          price: required(str()),
          quantity: int(0),
          metadata: metadata(),
          off_session: bool(),
          ...prorationShape,
        },
        params,
      );
      const sub = getSubscription(engine, p.subscription, "subscription");
      const before = new Set(sub.items.data.map((i) => i.id));
      updateSubscription(
        engine,
        sub,
        [{ price: p.price, quantity: p.quantity, metadata: p.metadata }],
        { prorationBehavior: p.proration_behavior, prorationDate: p.proration_date, param: "" },
        origin,
      );
      const created = sub.items.data.find((i) => !before.has(i.id));
      return renderItem(engine, created ?? (sub.items.data[0] as never));
    },
  },
  {
    method: "GET",
    path: "/v1/subscription_items/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const item = engine.state.subscriptionItems.get(pathParams.id as string);
      if (item === undefined) throw resourceMissing("subscription_item", pathParams.id as string);
      return renderItem(engine, item);
    },
  },
  {
    method: "POST",
    path: "/v1/subscription_items/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      const p = parseParams(
        {
          price: str(),
          quantity: int(0),
          metadata: metadata(),
          off_session: bool(),
          ...prorationShape,
        },
        params,
      );
      const id = pathParams.id as string;
      const item = engine.state.subscriptionItems.get(id);
      if (item === undefined) throw resourceMissing("subscription_item", id);
      const sub = getSubscription(engine, item.subscription);
      updateSubscription(
        engine,
        sub,
        [{ id, price: p.price, quantity: p.quantity, metadata: p.metadata }],
        { prorationBehavior: p.proration_behavior, prorationDate: p.proration_date, param: "" },
        origin,
      );
      return renderItem(engine, engine.state.subscriptionItems.get(id) ?? item);
    },
  },
  {
    method: "DELETE",
    path: "/v1/subscription_items/:id",
    write: true,
    handle: ({ engine, params, pathParams, origin }) => {
      const p = parseParams({ clear_usage: bool(), ...prorationShape }, params);
      const id = pathParams.id as string;
      const item = engine.state.subscriptionItems.get(id);
      if (item === undefined) throw resourceMissing("subscription_item", id);
      const sub = getSubscription(engine, item.subscription);
      updateSubscription(
        engine,
        sub,
        [{ id, deleted: true }],
        { prorationBehavior: p.proration_behavior, prorationDate: p.proration_date, param: "id" },
        origin,
      );
      return { id, object: "subscription_item", deleted: true };
    },
  },
  {
    method: "GET",
    path: "/v1/subscription_items",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams({ ...listShape, subscription: required(str()) }, params);
      const sub = getSubscription(engine, p.subscription, "subscription");
      const page = paginate([...sub.items.data].reverse(), p, `/v1/subscription_items`);
      return { ...page, data: page.data.map((i) => renderItem(engine, i)) };
    },
  },
];
