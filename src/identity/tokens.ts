import { createHash, randomBytes } from "node:crypto";

/** A bearer token is shown once; only its SHA-256 digest is stored. */
export function newToken(): { token: string; hash: string } {
  const token = `ktp_${randomBytes(32).toString("base64url")}`;
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
