import { dictionary } from "@zxcvbn-ts/language-common";

// The 49,233 most common passwords of zxcvbn-ts's "common" language pack (@zxcvbn-ts/language-common,
// MIT, pinned), itself drawn from public breach corpora, most frequent first. Decompressed once,
// on the first sign-up, and kept lower-cased: "Password123" is as weak as "password123".
let common: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary["passwords-common"].map((p) => p.toLowerCase()));
  return common.has(password.toLowerCase());
}
