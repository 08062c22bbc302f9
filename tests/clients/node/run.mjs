// Runs real Node clients (pg, postgres.js, Prisma 7 + @prisma/adapter-pg) through a PostgreSQL URL
// and prints what each case did, as one JSON line per case: {"id", "ok", "code", "message", "failed", "rounds"}.
//
// Usage: node run.mjs CASES.json   with PGC_NODE_CLIENTS = the directory holding node_modules.
// A case: {"id", "client": "pg"|"postgres"|"prisma", "url", "mode": "repeat"|"connect", "names": bool}
//   mode "connect": connect and run `select 1` once (URL compatibility).
//   mode "repeat":  the app (a pool of one connection) runs the same parameterised query, then a
//     neighbour (a plain pg client, no statement names) opens a transaction, taking the server
//     connection the app just released (PgBouncer reuses idle servers last-in first-out), and the
//     app runs the query again: a statement it prepared on the first server is missing on the next.
//     `names` turns the client's statement naming on (pg: `name`; postgres.js: `prepare`; Prisma:
//     `statementNameGenerator`). Three rounds; `failed` counts the app's failed queries.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.PGC_NODE_CLIENTS;
const require = createRequire(join(modules, "package.json"));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

const pg = require("pg");
const ROUNDS = 3;

function outcome(error) {
  if (!error) return { ok: true, code: null, message: null };
  // Prisma wraps the driver's error: the original SQLSTATE and message sit in `cause` / `meta`.
  const cause = error.meta?.driverAdapterError?.cause ?? {};
  const code = cause.originalCode ?? error.code ?? null;
  const message = cause.originalMessage ?? cause.message ?? error.message;
  return { ok: false, code, message: String(message).split("\n").filter(Boolean).pop() };
}

// What an app's statementNameGenerator typically does: a name from the SQL text.
const statementName = (client, sql) => `${client}_` + createHash("sha1").update(sql).digest("hex").slice(0, 16);

async function app(kase) {
  if (kase.client === "pg") {
    const pool = new pg.Pool({ connectionString: kase.url, max: 1 });
    const text = "select $1::int as n, pg_backend_pid() as pid";
    return {
      query: async (i) => pool.query(kase.names ? { name: statementName("pg", text), text, values: [i] } : { text, values: [i] }),
      end: () => pool.end(),
    };
  }
  if (kase.client === "postgres" || kase.client === "postgres3") {
    const postgres = (await load(kase.client)).default;
    const options = { max: 1, onnotice: () => {}, ...(kase.names === null ? {} : { prepare: kase.names }) };
    const sql = postgres(kase.url, options);
    const run = (q, i) => q`select ${i}::int as n, pg_backend_pid() as pid`;
    return {
      query: async (i) => (kase.transaction ? sql.begin((tx) => run(tx, i)) : run(sql, i)),
      end: () => sql.end(),
    };
  }
  if (kase.client === "prisma") {
    const { PrismaClient } = require("@prisma/client");
    const { PrismaPg } = require("@prisma/adapter-pg");
    const options = kase.names ? { statementNameGenerator: (q) => statementName("prisma", q.sql) } : undefined;
    const adapter = new PrismaPg({ connectionString: kase.url, max: 1 }, options);
    const prisma = new PrismaClient({ adapter });
    return {
      query: async (i) => prisma.$queryRaw`select ${i}::int as n, pg_backend_pid() as pid`,
      end: () => prisma.$disconnect(),
    };
  }
  throw new Error(`unknown client ${kase.client}`);
}

async function connectOnce(kase) {
  let client;
  try {
    client = await app(kase);
    await client.query(1);
    return outcome(null);
  } catch (error) {
    return outcome(error);
  } finally {
    await client?.end().catch(() => {});
  }
}

async function repeat(kase) {
  const client = await app(kase);
  const neighbour = new pg.Client({ connectionString: kase.neighbourUrl ?? kase.url });
  await neighbour.connect();
  let failed = 0;
  let first = null;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const step of ["prepare", "again"]) {
        if (step === "again") await neighbour.query("begin; select 1");
        try {
          await client.query(round);
        } catch (error) {
          failed++;
          first ??= error;
        }
        if (step === "again") await neighbour.query("commit");
      }
    }
  } finally {
    await client.end().catch(() => {});
    await neighbour.end().catch(() => {});
  }
  return { ...outcome(first), failed, rounds: ROUNDS };
}

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const kase of cases) {
  let result;
  try {
    result = kase.mode === "connect" ? await connectOnce(kase) : await repeat(kase);
  } catch (error) {
    result = { ...outcome(error), setup: true };
  }
  process.stdout.write(JSON.stringify({ id: kase.id, ...result }) + "\n");
}
