import postgres from "postgres";

export const sql = postgres(process.env.DATABASE_URL);

export async function transfer(from, to, amount) {
  return sql.begin(async (tx) => {
    await tx`update accounts set balance = balance - ${amount} where id = ${from}`;
    await tx`update accounts set balance = balance + ${amount} where id = ${to}`;
  });
}
