import { Hono } from "hono";
import { banner } from "@acme/shared";

const app = new Hono();
app.get("/", (c) => c.text(`${banner("visitor")}\n`));

export default { port: Number(process.env.PORT ?? 3000), hostname: "0.0.0.0", fetch: app.fetch };
