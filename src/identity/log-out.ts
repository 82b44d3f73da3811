import type { AppContext } from "../context.js";
import { deleteSession } from "../db/sessions.js";
import { AppError } from "../domain/errors.js";
import { type Authenticator, bearerToken } from "./authenticate.js";
import { isMachineToken } from "./machine-token-auth.js";
import { hashToken } from "./tokens.js";

/**
 * Ends the session whose token authenticated this request, at once: the row is deleted and no
 * process caches it (every request reads it). This process also forgets whose the token is
 * (`authenticator`), so the token's next requests here are refused before the rate limit counts
 * them against the user. A machine token is not a session: organization owners revoke it.
 */
export async function logOut(options: {
  ctx: AppContext;
  authenticator: Authenticator;
  authorization: string | undefined;
}): Promise<void> {
  const token = bearerToken(options.authorization);
  if (token && isMachineToken(token)) {
    throw new AppError({
      code: "bad_request",
      message: "A machine token is not a session; an organization owner revokes it",
    });
  }
  if (!token) return;
  await deleteSession({ db: options.ctx.db, tokenHash: hashToken(token) });
  options.authenticator.forget(options.authorization);
}
