const test = require('node:test');
const assert = require('node:assert');
const app = require('../src/app');

test('answers on /health', async () => {
  const server = app.listen(0);
  const { port } = server.address();
  const res = await fetch(`http://127.0.0.1:${port}/health`);
  assert.strictEqual(res.status, 200);
  server.close();
});
