const port = Number(Bun.env.PORT ?? 3000);

Bun.serve({
  port,
  fetch(req) {
    const url = new URL(req.url);
    if (url.pathname === "/health") return new Response("ok");
    return new Response(`hello, ${Bun.env.GREETING ?? "world"}`);
  },
});

console.log(`listening on ${port}`);
