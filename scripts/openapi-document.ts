/**
 * The one place that produces the API's OpenAPI document without a server or a database:
 * the console's client is generated from it (`npm run generate:client`). When the API moves to
 * another way of building the document, only this function changes (it may be async, e.g. to
 * await `app.ready()` before `app.swagger()`).
 */
import { buildOpenApi } from "../src/api/openapi.js";
import { apiRoutes } from "../src/api/server.js";

export async function openApiDocument(): Promise<unknown> {
  return buildOpenApi({ routes: apiRoutes, version: "0.1.0" });
}
