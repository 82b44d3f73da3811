import type { Queryable } from "../db/database.js";
import { findUserByTokenHash, type UserRow } from "../db/users.js";
import { AppError } from "../domain/errors.js";
import { hashToken } from "./tokens.js";

export async function authenticate(options: {
  db: Queryable;
  authorization: string | undefined;
}): Promise<UserRow> {
  const match = /^Bearer\s+(\S+)$/i.exec(options.authorization ?? "");
  const user = match?.[1]
    ? await findUserByTokenHash({ db: options.db, tokenHash: hashToken(match[1]) })
    : undefined;
  if (!user) {
    throw new AppError({
      code: "unauthenticated",
      message: "A valid bearer token is required (Authorization: Bearer <token>)",
    });
  }
  return user;
}
