import type { Database, Queryable, Transaction } from "../db/database.js";
import { findLiveSession } from "../db/sessions.js";
import { idleSince, touchSessionIfDue, unauthenticated } from "./session-expiry.js";

/**
 * A session whose row is read by the request's first statement instead of a round trip of its
 * own before it (routes with `sessionInFirstRead`). Its user is known from an earlier request of
 * the same token in this process (a token's user never changes); whether the session still lives
 * (not logged out, not idle past `sessionIdleMs`) is read in this request, as every request reads
 * it. Until it has been read nothing commits (`transactionCheckingSession`) and no answer but 401
 * goes out (`settle`, from the route and the error handler).
 */
export class DeferredSession {
  readonly tokenHash: string;
  readonly userId: string;
  /** When the request came: the idle expiry and the touch are reckoned from it, as up front. */
  readonly at: Date;
  #lastUsed: Date | null | undefined;
  #settled = false;
  readonly #onEnded: () => void;

  /**
   * `onEnded` runs when the read finds the session ended: the process forgets whose the token
   * is, so its next requests are read up front, refused before the rate limit counts them.
   */
  constructor(options: { tokenHash: string; userId: string; at: Date; onEnded: () => void }) {
    this.tokenHash = options.tokenHash;
    this.userId = options.userId;
    this.at = options.at;
    this.#onEnded = options.onEnded;
  }

  /** The parameters of the read, for a statement that carries it as a column. */
  get params(): { tokenHash: string; userId: string; idleSince: Date } {
    return { tokenHash: this.tokenHash, userId: this.userId, idleSince: idleSince(this.at) };
  }

  get read(): boolean {
    return this.#lastUsed !== undefined;
  }

  /** What the request's statement read: the session's `last_used_at`, null if it has ended (401). */
  record(lastUsed: Date | null): void {
    this.#lastUsed = lastUsed;
    if (lastUsed === null) {
      this.#onEnded();
      throw unauthenticated();
    }
  }

  /** A read of its own, for a request whose statements did not carry it. */
  async readIn(db: Queryable): Promise<void> {
    this.record((await findLiveSession({ db, ...this.params })) ?? null);
  }

  /**
   * Once the request's transaction is over: the read if no statement carried it (a refusal before
   * the first read), then the touch a read up front would have made. Throws 401 if the session
   * has ended. Once per request.
   */
  async settle(db: Database): Promise<void> {
    if (this.#settled) return;
    this.#settled = true;
    if (this.#lastUsed === undefined) await this.readIn(db);
    if (this.#lastUsed) {
      await touchSessionIfDue({
        db,
        tokenHash: this.tokenHash,
        now: this.at,
        lastUsed: this.#lastUsed,
      });
    }
  }
}

/**
 * `db.transaction(work)` for a request whose session may be deferred: if `work` did not read it
 * (an idempotent replay, a path whose first statement does not carry it), it is read before the
 * commit, so nothing a caller with an ended session asked for commits.
 */
export async function transactionCheckingSession<T>(options: {
  db: Database;
  session: DeferredSession | undefined;
  work: (tx: Transaction) => Promise<T>;
}): Promise<T> {
  const { session } = options;
  return options.db.transaction(async (tx) => {
    const result = await options.work(tx);
    if (session && !session.read) await session.readIn(tx);
    return result;
  });
}
