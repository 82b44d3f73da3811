import type { AppContext } from "../context.js";
import { findUserByEmail, insertToken } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { verifyPassword } from "./passwords.js";
import { newToken } from "./tokens.js";

export async function logIn(options: {
  ctx: AppContext;
  input: { email: string; password: string };
}): Promise<{ token: string; userId: string }> {
  const { ctx, input } = options;
  const user = await findUserByEmail({ db: ctx.db, email: input.email.toLowerCase() });
  // The same answer for an unknown email and a wrong password: no account enumeration.
  if (!user || !(await verifyPassword({ password: input.password, hash: user.password_hash }))) {
    throw new AppError({ code: "invalid_credentials", message: "Email or password is wrong" });
  }
  const issued = newToken();
  await insertToken({ db: ctx.db, tokenHash: issued.hash, userId: user.id, at: ctx.clock() });
  return { token: issued.token, userId: user.id };
}
