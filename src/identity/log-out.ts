import type { AppContext } from "../context.js";
import { deleteSession } from "../db/sessions.js";
import { AppError } from "../domain/errors.js";
import { bearerToken } from "./authenticate.js";
import { isMachineToken } from "./machine-token-auth.js";
import { hashToken } from "./tokens.js";

/**
 * Ends the session whose token authenticated this request, at once: the row is deleted and no
 * process caches it. A machine token is not a session: organization owners revoke it.
 */
export async function logOut(options: {
  ctx: AppContext;
  authorization: string | undefined;
}): Promise<void> {
  const token = bearerToken(options.authorization);
  if (token && isMachineToken(token)) {
    throw new AppError({
      code: "bad_request",
      message: "A machine token is not a session; an organization owner revokes it",
    });
  }
  if (token) await deleteSession({ db: options.ctx.db, tokenHash: hashToken(token) });
}
