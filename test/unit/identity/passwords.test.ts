import { describe, expect, it } from "vitest";
import { checkNewPassword, hashPassword, verifyPassword } from "../../../src/identity/passwords.js";

describe("passwords", () => {
  it("returns the NFKC form of an acceptable password and names the field otherwise", () => {
    expect(
      checkNewPassword({ password: "ｃｏｒｒｅｃｔ ｈｏｒｓｅ", email: "a@example.com" }),
    ).toBe("correct horse");
    for (const password of [
      "short",
      "Basketball",
      "abc\uDC00defghijkl",
      "ada.lovelace!!",
      "x\uD800",
    ]) {
      expect(() => checkNewPassword({ password, email: "ada.lovelace@example.com" })).toThrow(
        expect.objectContaining({ code: "validation_failed", field: "password" }),
      );
    }
  });

  it("verifies new hashes across normalization forms", async () => {
    const hash = await hashPassword("cafe\u0301 au lait noir");
    expect(hash).toMatch(/^scrypt-nfkc\$/);
    expect(await verifyPassword({ password: "caf\u00e9 au lait noir", hash })).toEqual({
      ok: true,
      rehash: false,
    });
    expect((await verifyPassword({ password: "cafe au lait noir", hash })).ok).toBe(false);
  });

  it("spends one scrypt on a missing or unusable hash, like on a wrong password", async () => {
    const hash = await hashPassword("correct horse battery");
    const time = async (h: string | undefined) => {
      const started = performance.now();
      for (let i = 0; i < 3; i++) await verifyPassword({ password: "wrong password", hash: h });
      return performance.now() - started;
    };
    await time(undefined); // the dummy hash is made once, on first use
    const wrong = await time(hash);
    for (const unusable of [undefined, "!machine-token"]) {
      const spent = await time(unusable);
      // Generous bounds: a shared CI machine is noisy, but skipping scrypt would be ~1000x faster.
      expect(spent).toBeGreaterThan(wrong * 0.3);
    }
  });
});
