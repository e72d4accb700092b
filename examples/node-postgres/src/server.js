const express = require('express');
const { Client } = require('pg');

async function main() {
  const db = new Client({ connectionString: process.env.DATABASE_URL });
  await db.connect();
  const { rows } = await db.query('select version()');
  const version = rows[0].version.split(' ').slice(0, 2).join(' ');
  const app = express();
  app.get('/', async (_req, res) => {
    const result = await db.query('select 1 + 1 as two');
    res.send(`${version} says 1 + 1 = ${result.rows[0].two}\n`);
  });
  app.get('/health', (_req, res) => res.send('ok\n'));
  const port = Number(process.env.PORT || 3000);
  app.listen(port, '0.0.0.0', () => console.log(`listening on ${port}, connected to ${version}`));
}

main().catch((err) => {
  console.error(`cannot reach the database: ${err.message}`);
  process.exit(1);
});
