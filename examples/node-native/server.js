// Answers with SQLite's version, read through better-sqlite3's compiled binding: the image
// only serves when the native module was built for it.
const http = require("node:http");
const Database = require("better-sqlite3");

const db = new Database(":memory:");
const { version } = db.prepare("select sqlite_version() as version").get();
const port = Number(process.env.PORT || 3000);

http
  .createServer((req, res) => {
    if (req.url === "/health") {
      res.end("ok");
      return;
    }
    res.setHeader("content-type", "text/plain");
    res.end(`sqlite ${version} via better-sqlite3\n`);
  })
  .listen(port, "0.0.0.0");
