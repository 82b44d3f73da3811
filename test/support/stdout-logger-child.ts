// A process logging through the default logger (stdout), for test/unit/observability: what it logs
// and how it ends come from LOG_SCENARIO.
import { createLogger } from "../../src/observability/logger.js";

const log = createLogger({ level: "info" });
const scenario = process.env.LOG_SCENARIO;

if (scenario === "exit") {
  for (let i = 1; i <= 3; i++) log.info({ line: i }, "before exit");
  process.exit(0);
} else if (scenario === "error-while-busy") {
  log.info("an ordinary line");
  log.error({ code: "boom" }, "something failed");
  // The event loop stays blocked: only a write already under way can reach stdout.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
} else if (scenario === "idle") {
  log.info("ready");
  setTimeout(() => {}, 60_000);
} else {
  throw new Error(`unknown LOG_SCENARIO ${scenario}`);
}
