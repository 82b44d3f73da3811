import { randomBytes } from "node:crypto";
import pg from "pg";

export const defaultAdminUrl = "postgresql://postgres@127.0.0.1:5432/postgres";

/** The admin URL of the PostgreSQL server the bench creates its databases on. */
export function adminUrlFromEnv(): string {
  return process.env.BENCH_DATABASE_URL || defaultAdminUrl;
}

export async function adminQuery(options: {
  adminUrl: string;
  sql: string;
}): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: options.adminUrl });
  await client.connect();
  try {
    return await client.query(options.sql);
  } finally {
    await client.end();
  }
}

const pendingDrops = new Map<string, () => Promise<void>>();

/** Drops every bench database still alive: for a signal that cuts a run short. */
export async function dropPendingDatabases(): Promise<void> {
  await Promise.allSettled([...pendingDrops.values()].map((drop) => drop()));
}

/**
 * Runs `work` against a fresh, empty database `ktrlplane_bench_<random>` on the admin URL's
 * server and drops it afterwards, whether `work` resolved or threw.
 */
export async function withBenchDatabase<T>(options: {
  adminUrl: string;
  work: (databaseUrl: string) => Promise<T>;
}): Promise<T> {
  const { adminUrl } = options;
  const name = `ktrlplane_bench_${randomBytes(6).toString("hex")}`;
  await adminQuery({ adminUrl, sql: `CREATE DATABASE ${name}` });
  const drop = async () => {
    pendingDrops.delete(name);
    await adminQuery({ adminUrl, sql: `DROP DATABASE IF EXISTS ${name} WITH (FORCE)` });
  };
  pendingDrops.set(name, drop);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await options.work(url.toString());
  } finally {
    await drop();
  }
}
