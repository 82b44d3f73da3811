/**
 * Errors are answered as Stripe answers them: `{ error: { type, code, message, param } }`.
 * `phase` matters for idempotency: Stripe only stores a response once the endpoint has begun
 * executing, so failures of parameter validation are never replayed, while errors raised by
 * the operation itself (missing customer, 20-item limit, ...) are.
 */
export type StripeErrorType =
  | "api_error"
  | "card_error"
  | "idempotency_error"
  | "invalid_request_error";

export interface StripeErrorOptions {
  status?: number;
  type?: StripeErrorType;
  code?: string;
  param?: string;
  headers?: Record<string, string>;
}

export class StripeApiError extends Error {
  readonly status: number;
  readonly type: StripeErrorType;
  readonly code: string | undefined;
  readonly param: string | undefined;
  readonly headers: Record<string, string>;
  /** Whether the endpoint had begun executing (and so the response may be stored for replay). */
  readonly executed: boolean = true;

  constructor(message: string, options: StripeErrorOptions = {}) {
    super(message);
    this.status = options.status ?? 400;
    this.type = options.type ?? "invalid_request_error";
    this.code = options.code;
    this.param = options.param;
    this.headers = options.headers ?? {};
  }

  toBody(requestLogUrl?: string): { error: Record<string, string> } {
    const error: Record<string, string> = { type: this.type, message: this.message };
    if (this.code !== undefined) error.code = this.code;
    if (this.param !== undefined) error.param = this.param;
    if (this.code !== undefined) error.doc_url = `https://stripe.com/docs/error-codes/${this.code}`;
    if (requestLogUrl !== undefined) error.request_log_url = requestLogUrl;
    return { error };
  }
}

/** A failure while reading the request's parameters: never stored for idempotent replay. */
export class ParamError extends StripeApiError {
  override readonly executed = false;
}

export function resourceMissing(kind: string, id: string, param?: string): StripeApiError {
  // A missing object named in the path is a 404; one named in a parameter is a 400.
  return new StripeApiError(`No such ${kind}: '${id}'`, {
    status: param === undefined ? 404 : 400,
    code: "resource_missing",
    param: param ?? "id",
  });
}

export function invalidRequest(message: string, code?: string, param?: string): StripeApiError {
  return new StripeApiError(message, { code, param });
}
