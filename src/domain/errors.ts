/**
 * The one error type of ktrlplane. Every failure a caller can see carries a stable `code`;
 * the transport maps codes to HTTP statuses through `httpStatusOf` and nothing else.
 */
export const errorCodes = {
  malformed_json: 400,
  bad_request: 400,
  invalid_signature: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  billing_setup_required: 402,
  billing_account_inactive: 402,
  forbidden: 403,
  invitation_email_mismatch: 403,
  not_found: 404,
  method_not_allowed: 405,
  invitation_not_found: 404,
  email_taken: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  conflict: 409,
  quantity_limit: 409,
  last_owner: 409,
  billing_account_in_use: 409,
  billing_account_primary: 409,
  provider_not_configured: 409,
  already_member: 409,
  invitation_accepted: 409,
  invitation_revoked: 410,
  invitation_expired: 410,
  quota_exceeded: 409,
  validation_failed: 422,
  organization_required: 422,
  idempotency_key_reused: 422,
  unknown_resource_type: 422,
  unknown_sku: 422,
  currency_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  provider_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class AppError extends Error {
  readonly code: ErrorCode;
  /** The request field at fault, as a JSON pointer-ish dotted path (`project.billing.mode`). */
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: {
    code: ErrorCode;
    message: string;
    field?: string;
    details?: Record<string, unknown>;
  }) {
    super(options.message);
    this.name = "AppError";
    this.code = options.code;
    this.field = options.field;
    this.details = options.details;
  }
}

export function httpStatusOf(code: ErrorCode): number {
  return errorCodes[code];
}

export function notFound(what: string): AppError {
  return new AppError({ code: "not_found", message: `${what} not found` });
}
