import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

// scrypt is memory-hard (N·r·128 bytes = 16 MiB here) and ships with Node: no native addon.
const params = { N: 16384, r: 8, p: 1, keyLength: 32 };

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

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive({ password, salt });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(options: {
  password: string;
  hash: string;
}): Promise<boolean> {
  const [scheme, , , , salt, key] = options.hash.split("$");
  if (scheme !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64");
  const actual = await derive({ password: options.password, salt: Buffer.from(salt, "base64") });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
