import postgres from "postgres";

// through a transaction-mode pooler: no named prepared statements
export const sql = postgres(process.env.DATABASE_URL, { prepare: false });
