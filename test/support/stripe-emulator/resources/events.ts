import type { Route } from "../engine.js";
import { resourceMissing } from "../errors.js";
import { paginate } from "../lists.js";
import { anything, arr, listShape, parseParams, str } from "../params.js";

export const eventRoutes: Route[] = [
  {
    method: "GET",
    path: "/v1/events/:id",
    write: false,
    handle: ({ engine, params, pathParams }) => {
      parseParams({}, params);
      const event = engine.state.events.get(pathParams.id as string);
      if (event === undefined) throw resourceMissing("event", pathParams.id as string);
      return structuredClone(event);
    },
  },
  {
    method: "GET",
    path: "/v1/events",
    write: false,
    handle: ({ engine, params }) => {
      const p = parseParams(
        {
          ...listShape,
          type: str(),
          types: arr(str()),
          created: anything(),
          delivery_success: str(),
        },
        params,
      );
      // `type` accepts a trailing wildcard, e.g. `customer.subscription.*`.
      const matchesType = (type: string) => {
        if (p.type !== undefined) {
          return p.type.endsWith("*") ? type.startsWith(p.type.slice(0, -1)) : type === p.type;
        }
        return p.types === undefined || p.types.includes(type);
      };
      const all = [...engine.state.events.values()].filter((e) => matchesType(e.type));
      return paginate(all, p, "/v1/events");
    },
  },
];
