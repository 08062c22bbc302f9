import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

// cache prepared statements under a name derived from the SQL
const adapter = new PrismaPg(
  { connectionString: process.env.DATABASE_URL },
  { statementNameGenerator: (query) => "s" + createHash("sha1").update(query.sql).digest("hex").slice(0, 16) },
);
export const prisma = new PrismaClient({ adapter });
