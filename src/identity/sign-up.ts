import type { AppContext } from "../context.js";
import { newId } from "../db/ids.js";
import { insertToken, insertUser, type UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { hashPassword } from "./passwords.js";
import { newToken } from "./tokens.js";

export async function signUp(options: {
  ctx: AppContext;
  input: { email: string; password: string; name: string };
}): Promise<{ user: UserRow; token: string }> {
  const { ctx, input } = options;
  // The slow KDF runs before the transaction: no connection is held while hashing.
  const password_hash = await hashPassword(input.password);
  const issued = newToken();
  const at = ctx.clock();
  const user: UserRow = {
    id: newId("usr"),
    email: input.email.toLowerCase(),
    name: input.name,
    password_hash,
    created_at: at,
  };
  await ctx.db.transaction(async (tx) => {
    if (!(await insertUser({ db: tx, user }))) {
      throw new AppError({
        code: "email_taken",
        message: "An account with this email exists already",
        field: "email",
      });
    }
    await insertToken({ db: tx, tokenHash: issued.hash, userId: user.id, at });
  });
  return { user, token: issued.token };
}
