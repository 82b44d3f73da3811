import { z } from "zod";
import { problemSchema } from "./problem.js";
import type { RouteSpec } from "./route.js";

function jsonSchema(schema: z.ZodType, io: "input" | "output"): unknown {
  return z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" });
}

/** OpenAPI 3.1 from the very schemas that validate requests: the document cannot drift. */
export function buildOpenApi(options: { routes: RouteSpec[]; version: string }): unknown {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of options.routes) {
    const path = spec.url.replace(/:(\w+)/g, "{$1}");
    const pathParams = [...spec.url.matchAll(/:(\w+)/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: "string" },
    }));
    const queryParams = spec.query
      ? Object.entries(
          (jsonSchema(spec.query, "input") as { properties?: Record<string, unknown> })
            .properties ?? {},
        ).map(([name, schema]) => ({ name, in: "query", required: false, schema }))
      : [];
    const status = String(spec.status ?? (spec.response ? 200 : 204));
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = {
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.auth === false ? { security: [] } : {}),
      parameters: [...pathParams, ...queryParams],
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: jsonSchema(spec.body, "input") } },
            },
          }
        : {}),
      responses: {
        [status]: spec.response
          ? {
              description: "Success",
              content: { "application/json": { schema: jsonSchema(spec.response, "output") } },
            }
          : { description: "Success" },
        default: {
          description: "Problem",
          content: { "application/problem+json": { schema: jsonSchema(problemSchema, "output") } },
        },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "ktrlplane",
      version: options.version,
      description:
        "Control plane with resource-based billing. Amounts are integers in minor units of `currency`.",
    },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{ bearer: [] }],
    paths,
  };
}
