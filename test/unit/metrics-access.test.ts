import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { mayScrape } from "../../src/api/metrics-route.js";

const request = (remoteAddress: string, authorization?: string) =>
  ({
    socket: { remoteAddress },
    headers: authorization ? { authorization } : {},
  }) as unknown as FastifyRequest;

describe("who may scrape /metrics", () => {
  it("without a token: loopback clients only", () => {
    expect(mayScrape(request("127.0.0.1"), undefined)).toBe(true);
    expect(mayScrape(request("::1"), undefined)).toBe(true);
    expect(mayScrape(request("::ffff:127.0.0.1"), undefined)).toBe(true);
    expect(mayScrape(request("10.0.0.7"), undefined)).toBe(false);
    expect(mayScrape(request("10.0.0.7", "Bearer anything"), undefined)).toBe(false);
  });

  it("with a token: whoever presents it, from anywhere, and nobody else", () => {
    const token = "a-long-enough-metrics-token";
    expect(mayScrape(request("10.0.0.7", `Bearer ${token}`), token)).toBe(true);
    expect(mayScrape(request("127.0.0.1"), token)).toBe(false);
    expect(mayScrape(request("127.0.0.1", `Bearer ${token}x`), token)).toBe(false);
    expect(mayScrape(request("127.0.0.1", `Basic ${token}`), token)).toBe(false);
  });
});
