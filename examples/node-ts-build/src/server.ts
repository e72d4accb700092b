import { createServer } from "node:http";

const port = Number(process.env.PORT ?? 3000);
const built: string = new Date().toISOString();

createServer((req, res) => {
  if (req.url === "/health") {
    res.end("ok");
    return;
  }
  res.setHeader("content-type", "text/plain");
  res.end(`compiled TypeScript, running from dist/ (started ${built})\n`);
}).listen(port, "0.0.0.0");
