import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

describe("KTRLPLANE_TRUST_PROXY", () => {
  it("is off by default and takes hops, addresses, CIDR ranges and proxy-addr's names", () => {
    expect(loadConfig({}).KTRLPLANE_TRUST_PROXY).toBe(false);
    expect(loadConfig({ KTRLPLANE_TRUST_PROXY: "1" }).KTRLPLANE_TRUST_PROXY).toBe(1);
    expect(
      loadConfig({ KTRLPLANE_TRUST_PROXY: "10.0.0.0/8, 127.0.0.1,fd00::/8,loopback" })
        .KTRLPLANE_TRUST_PROXY,
    ).toEqual(["10.0.0.0/8", "127.0.0.1", "fd00::/8", "loopback"]);
  });

  it("refuses `true` (any peer could choose its address) and anything that is not a range", () => {
    for (const value of ["true", "10.0.0.0/33", "proxy.internal", "10.0.0.1/8/1"])
      expect(() => loadConfig({ KTRLPLANE_TRUST_PROXY: value })).toThrow(
        /KTRLPLANE_TRUST_PROXY: must be false, a number of hops/,
      );
  });
});
