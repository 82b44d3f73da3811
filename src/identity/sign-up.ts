import type { AppContext } from "../context.js";
import { newId } from "../db/ids.js";
import { insertSession } from "../db/sessions.js";
import { insertUser, type UserRow } from "../db/users.js";
import { assertNotThrottled, recordFailure, throttleKeys } from "./login-throttle.js";
import { checkNewPassword, hashPassword } from "./passwords.js";
import { newToken } from "./tokens.js";

/**
 * Creates a user and their first session. Signing up with an email that has an account already
 * answers exactly like a new sign-up (201, a user and a token, after the same scrypt), but nothing
 * is created and the token is never valid: the response does not say which emails exist. A client
 * learns it only by using the token (401), and each such sign-up counts as a failed log-in of the
 * caller's address, so probing many emails is throttled like guessing passwords.
 */
export async function signUp(options: {
  ctx: AppContext;
  input: { email: string; password: string; name: string };
  address?: string;
}): Promise<{ user: UserRow; token: string }> {
  const { ctx, input } = options;
  const email = input.email.toLowerCase();
  const password = checkNewPassword({ password: input.password, email });
  const keys = throttleKeys({ email, address: options.address });
  await assertNotThrottled({ db: ctx.db, keys: [keys.address], at: ctx.clock() });
  // The slow KDF runs before the transaction: no connection is held while hashing.
  const password_hash = await hashPassword(password);
  const issued = newToken();
  const at = ctx.clock();
  const user: UserRow = {
    id: newId("usr"),
    email,
    name: input.name,
    password_hash,
    created_at: at,
  };
  const created = await ctx.db.transaction(async (tx) => {
    if (!(await insertUser({ db: tx, user }))) return false;
    await insertSession({ db: tx, tokenHash: issued.hash, userId: user.id, at });
    return true;
  });
  if (!created && keys.address) {
    await recordFailure({ db: ctx.db, key: keys.address, kind: "address", at });
  }
  return { user, token: issued.token };
}
