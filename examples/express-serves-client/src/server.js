// An API that serves its own front end: the Vite build of client/, which is not committed.
const path = require("node:path");
const express = require("express");

const app = express();
const site = path.join(__dirname, "..", "client/dist");

app.get("/api/health", (req, res) => res.json({ ok: true }));
app.use(express.static(site));

const port = Number(process.env.PORT || 3000);
app.listen(port, "0.0.0.0", () => console.log(`listening on ${port}`));
