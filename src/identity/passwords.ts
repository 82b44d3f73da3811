import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { AppError } from "../domain/errors.js";
import { isCommonPassword } from "./common-passwords.js";

// scrypt is memory-hard (N·r·128 bytes = 16 MiB here) and ships with Node: no native addon.
const params = { N: 16384, r: 8, p: 1, keyLength: 32 };

export const minPasswordLength = 10;

/**
 * Hashes are `scrypt-nfkc$N$r$p$salt$key` over the NFKC form of the password, so that the same
 * password typed on another keyboard or OS (composed "é" or "e" + combining accent, full-width
 * digits) still matches. Hashes made before that are `scrypt$…` over the password as received:
 * they are verified as they were made, and replaced by an NFKC hash at the next successful log-in.
 */
const currentScheme = "scrypt-nfkc";
const legacyScheme = "scrypt";

function derive(options: { password: string; salt: Buffer }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      options.password,
      options.salt,
      params.keyLength,
      { N: params.N, r: params.r, p: params.p, maxmem: 64 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function weak(message: string): AppError {
  return new AppError({
    code: "validation_failed",
    message: `password: ${message}`,
    field: "password",
  });
}

/**
 * The rules for a new password, applied to its NFKC form: well-formed Unicode, at least
 * `minPasswordLength` characters (code points), not one of the most common passwords, and not the
 * email or its local part. Returns the normalized password; throws a 422 naming `password`.
 */
export function checkNewPassword(options: { password: string; email: string }): string {
  if (loneSurrogate.test(options.password)) {
    throw weak("must be valid Unicode text (it holds a lone UTF-16 surrogate)");
  }
  const password = options.password.normalize("NFKC");
  if ([...password].length < minPasswordLength) {
    throw weak(`must be at least ${minPasswordLength} characters`);
  }
  if (isCommonPassword(password) || isCommonPassword(password.trim())) {
    throw weak("is one of the most common passwords; choose another");
  }
  const lower = password.toLowerCase();
  const email = options.email.normalize("NFKC").toLowerCase();
  const local = email.split("@")[0] ?? "";
  if (lower.includes(email) || (local.length >= 4 && lower.includes(local))) {
    throw weak("must not contain your email address");
  }
  return password;
}

/** Hashes a password that passed `checkNewPassword` (normalizing again is harmless). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive({ password: password.normalize("NFKC"), salt });
  return `${currentScheme}$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

// A hash of a password nobody knows: unknown emails cost one scrypt, exactly like wrong passwords.
let dummyHash: Promise<string> | undefined;

/**
 * Whether `password` matches `hash`. Always runs one scrypt with our parameters, also when the
 * hash is missing (unknown email) or unusable (a machine token's user): the time taken tells
 * nothing about the account. `rehash` is set when a legacy hash matched and should be replaced.
 */
export async function verifyPassword(options: {
  password: string;
  hash: string | undefined;
}): Promise<{ ok: boolean; rehash: boolean }> {
  const parts = options.hash?.split("$") ?? [];
  const [scheme, , , , salt, key] = parts;
  const usable =
    parts.length === 6 && (scheme === currentScheme || scheme === legacyScheme) && salt && key;
  if (!usable) {
    dummyHash ??= hashPassword(randomBytes(32).toString("base64"));
    const [, , , , dummySalt] = (await dummyHash).split("$");
    await derive({ password: options.password, salt: Buffer.from(dummySalt ?? "", "base64") });
    return { ok: false, rehash: false };
  }
  const password =
    scheme === currentScheme && !loneSurrogate.test(options.password)
      ? options.password.normalize("NFKC")
      : options.password;
  const expected = Buffer.from(key, "base64");
  const actual = await derive({ password, salt: Buffer.from(salt, "base64") });
  const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
  return { ok, rehash: ok && scheme === legacyScheme };
}
