import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// The served OpenAPI document checked against every response a test receives, with ajv (JSON
// Schema 2020-12): an independent reading of the contract, not the serializer's own zod schemas.

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as typeof addFormatsModule;

interface ResponseObject {
  content?: Record<string, { schema?: unknown }>;
}
interface Operation {
  responses?: Record<string, ResponseObject>;
}
interface Document {
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
}

export interface ReceivedResponse {
  method: string;
  /** As requested, with any query string. */
  path: string;
  status: number;
  contentType: string | null;
  /** The raw body text. */
  text: string;
}

export class OpenApiContract {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly routes: { pattern: RegExp; template: string; params: number }[];

  constructor(private readonly document: Document) {
    addFormats(this.ajv);
    this.ajv.addSchema(document as object, "openapi.json");
    this.routes = Object.keys(document.paths ?? {})
      .map((template) => ({
        template,
        params: (template.match(/\{/g) ?? []).length,
        pattern: new RegExp(
          `^${template
            .split(/\{[^}]+\}/)
            .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
            .join("[^/]+")}$`,
        ),
      }))
      // A literal path wins over a template matching the same URL.
      .sort((a, b) => a.params - b.params);
  }

  static async load(baseUrl: string): Promise<OpenApiContract> {
    const response = await fetch(`${baseUrl}/openapi.json`);
    if (response.status !== 200) throw new Error(`GET /openapi.json answered ${response.status}`);
    return new OpenApiContract((await response.json()) as Document);
  }

  /** Throws, naming the operation, when the response is not one the document describes. */
  check(received: ReceivedResponse): void {
    const method = received.method.toLowerCase();
    const path = received.path.split("?")[0] ?? "";
    const where = `${received.method} ${path} → ${received.status}`;
    if (path === "/openapi.json" && received.status === 200) return; // the document itself
    const template = this.routes.find((r) => r.pattern.test(path))?.template;
    const operation = template ? this.document.paths?.[template]?.[method] : undefined;
    if (!template || !operation) {
      // No operation: only a problem (no such route, a malformed URL) may answer.
      if (received.status < 400 || received.status >= 500) {
        throw new Error(`${where}: no operation in /openapi.json for this request`);
      }
      this.validate({
        where,
        pointer: "#/components/schemas/Problem",
        contentType: received.contentType,
        expected: "application/problem+json",
        text: received.text,
      });
      return;
    }
    const responses = operation.responses ?? {};
    const documented = responses[String(received.status)] ?? responses.default;
    if (!documented) {
      throw new Error(
        `${where}: status not documented for ${received.method} ${template} (documents ${Object.keys(responses).join(", ")})`,
      );
    }
    if (!documented.content) {
      if (received.text !== "") throw new Error(`${where}: documented without a body, got one`);
      return;
    }
    const mediaType = (received.contentType ?? "").split(";")[0]?.trim() ?? "";
    if (!documented.content[mediaType]) {
      throw new Error(
        `${where}: content type ${mediaType || "(none)"} not documented (documents ${Object.keys(documented.content).join(", ")})`,
      );
    }
    const status = responses[String(received.status)] ? String(received.status) : "default";
    this.validate({
      where,
      pointer: `#/paths/${escapePointer(template)}/${method}/responses/${status}/content/${escapePointer(mediaType)}/schema`,
      contentType: mediaType,
      expected: mediaType,
      text: received.text,
    });
  }

  private validate(options: {
    where: string;
    pointer: string;
    contentType: string | null;
    expected: string;
    text: string;
  }): void {
    const mediaType = (options.contentType ?? "").split(";")[0]?.trim();
    if (mediaType !== options.expected) {
      throw new Error(
        `${options.where}: content type ${mediaType} where ${options.expected} is documented`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(options.text);
    } catch {
      throw new Error(`${options.where}: the body is not JSON: ${options.text.slice(0, 200)}`);
    }
    let validate = this.validators.get(options.pointer);
    if (!validate) {
      const found = this.ajv.getSchema(`openapi.json${options.pointer}`);
      if (!found) throw new Error(`${options.where}: no schema at ${options.pointer}`);
      validate = found;
      this.validators.set(options.pointer, validate);
    }
    if (!validate(body)) {
      throw new Error(
        `${options.where}: the body does not match /openapi.json: ${this.ajv.errorsText(validate.errors)}\n${options.text.slice(0, 500)}`,
      );
    }
  }
}

/** A JSON pointer segment, URI-encoded for a `$ref`-style fragment. */
function escapePointer(segment: string): string {
  return encodeURIComponent(segment.replaceAll("~", "~0").replaceAll("/", "~1"));
}
