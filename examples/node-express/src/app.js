const express = require('express');

const app = express();

app.get('/', (_req, res) => {
  res.json({ hello: process.env.GREETING || 'world' });
});

app.get('/health', (_req, res) => res.json({ ok: true }));

module.exports = app;
