const { Pool } = require("pg");

const pool = new Pool({ connectionString: process.env.DATABASE_URL });

// a named query: node-postgres prepares it once per connection under this name
exports.user = (id) => pool.query({ name: "user-by-id", text: "select * from users where id = $1", values: [id] });
