import { loadConfig } from "../config.js";
import { migrate } from "./migrate.js";
import { openDatabase } from "./open-database.js";

const config = loadConfig();
const db = await openDatabase(config);
const applied = await migrate({ db });
console.log(applied.length ? `Applied ${applied.join(", ")}` : "Database is up to date");
await db.close();
