import { handle } from "./app";

const port = Number(Bun.env.PORT ?? 3000);

Bun.serve({ port, fetch: handle });

console.log(`listening on ${port}`);
