import { countingDatabase, type DatabaseCounters } from "../../bench/counting-database.js";
import type { Database } from "../../src/db/database.js";

/**
 * Counts the statements the server sends, with the bench's counting wrapper: hand `wrap` to
 * `startTestApp({ wrapDatabase })`, then `statementsOf(request)` tells what one request cost.
 * Requests must run one at a time (the count is of everything the server sent meanwhile).
 */
export function statementCounter() {
  let counters: DatabaseCounters | undefined;
  return {
    wrap(db: Database): Database {
      const counting = countingDatabase(db);
      counters = counting.counters;
      return counting.db;
    },
    async statementsOf(request: () => Promise<unknown>): Promise<number> {
      if (!counters) throw new Error("the app was not started with wrapDatabase: counter.wrap");
      const before = counters.queries;
      await request();
      return counters.queries - before;
    },
  };
}
