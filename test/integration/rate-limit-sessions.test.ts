import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiClient, startTestApp, type TestApp } from "../support/test-app.js";
import { testDatabaseAvailable } from "../support/test-database.js";

// The rate limit counts a session's requests against its user only while the session lives: the
// requests of a token logged out or idle past 14 days do not spend the budget of the user's other
// sessions. Resource create and delete are where they could: those routes key the limit on the
// user this process remembers for the token, before the request reads the session (see
// DeferredSession).

const max = 8;

describe.skipIf(!testDatabaseAvailable)("rate limit of ended sessions", () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp({
      env: { KTRLPLANE_RATE_LIMIT: String(max), KTRLPLANE_RATE_LIMIT_WINDOW_S: "600" },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  /**
   * A user with two sessions, each known to this process: `ended` has made one request, `live`
   * none yet. Sign-up and log-in count against the client's address, not against the user.
   */
  const twoSessions = async () => {
    const { api: ended, user } = await app.signUp();
    const login = await app.client().post("/v1/auth/login", {
      email: user.email,
      password: "correct horse battery",
    });
    expect(login.status).toBe(200);
    expect((await ended.get("/v1/me")).status).toBe(200);
    return { ended, live: app.client(login.body.token) };
  };
  /** As many resource deletes as the limit allows, every one refused: the session has ended. */
  const hammer = async (ended: ApiClient) => {
    for (let i = 0; i < max; i++) {
      expect((await ended.delete("/v1/resources/res_nothing")).status).toBe(401);
    }
  };
  /** The user's live session gets `left` answers, then 429. */
  const expectLeft = async (live: ApiClient, left: number) => {
    const statuses: number[] = [];
    for (let i = 0; i <= left; i++) {
      statuses.push((await live.delete("/v1/resources/res_nothing")).status);
    }
    expect(statuses).toEqual([...Array(left).fill(404), 429]);
  };

  it("does not count a logged-out token's requests against its user", async () => {
    const { ended, live } = await twoSessions();
    expect((await ended.post("/v1/auth/logout")).status).toBe(204);
    // Its /v1/me and its log-out counted.
    await hammer(ended);
    await expectLeft(live, max - 2);
  });

  it("counts an idle-expired token's requests against its user only until one finds it ended", async () => {
    const { ended, live } = await twoSessions();
    app.clock.advance({ days: 13 });
    // Slides the live session's expiry, not the other's.
    expect((await live.get("/v1/me")).status).toBe(200);
    app.clock.advance({ days: 1, seconds: 1 });
    // The ended token's /v1/me, the live one's, and the delete that read the ended session.
    await hammer(ended);
    await expectLeft(live, max - 3);
  });
});
