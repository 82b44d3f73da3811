import type { AppContext } from "../context.js";
import { insertSession, replacePasswordHash } from "../db/sessions.js";
import { findUserByEmail } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { recordLoginFailure } from "../observability/metrics.js";
import {
  assertNotThrottled,
  clearAccountFailures,
  recordFailure,
  throttleKeys,
} from "./login-throttle.js";
import { hashPassword, verifyPassword } from "./passwords.js";
import { newToken } from "./tokens.js";

export async function logIn(options: {
  ctx: AppContext;
  input: { email: string; password: string };
  /** The client's address, for throttling per address. */
  address?: string;
}): Promise<{ token: string; userId: string }> {
  const { ctx, input } = options;
  const keys = throttleKeys({ email: input.email, address: options.address });
  // A locked account or address is refused before any hashing: throttled guesses cost us nothing.
  await assertNotThrottled({
    db: ctx.db,
    keys: [keys.account, keys.address],
    at: ctx.clock(),
  }).catch((error: unknown) => {
    recordLoginFailure("throttled");
    throw error;
  });
  const user = await findUserByEmail({
    db: ctx.db,
    email: input.email.toLowerCase(),
  });
  // No account enumeration: an unknown email costs one scrypt against a dummy hash, like a wrong
  // password, counts as a failure on the same keys, and gets the same answer.
  const verified = await verifyPassword({ password: input.password, hash: user?.password_hash });
  const at = ctx.clock();
  if (!user || !verified.ok) {
    await recordFailure({ db: ctx.db, key: keys.account, kind: "account", at });
    if (keys.address) await recordFailure({ db: ctx.db, key: keys.address, kind: "address", at });
    recordLoginFailure("invalid_credentials");
    throw new AppError({ code: "invalid_credentials", message: "Email or password is wrong" });
  }
  await clearAccountFailures({ db: ctx.db, key: keys.account });
  if (verified.rehash) {
    // A hash from before passwords were NFKC-normalized: replace it now that we know the password.
    const to = await hashPassword(input.password);
    await replacePasswordHash({ db: ctx.db, userId: user.id, from: user.password_hash, to });
  }
  const issued = newToken();
  await insertSession({ db: ctx.db, tokenHash: issued.hash, userId: user.id, at });
  return { token: issued.token, userId: user.id };
}
