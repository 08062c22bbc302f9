const { Pool } = require("pg");

const pool = new Pool({ connectionString: process.env.DATABASE_URL });

exports.user = (id) => pool.query("select * from users where id = $1", [id]);
