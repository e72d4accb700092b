const http = require('node:http');
const { greeting } = require('@acme/greeting');

const port = Number(process.env.PORT || 3000);

http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`${greeting('visitor')}\n`);
  })
  .listen(port, '0.0.0.0');
