/** The app's routes, apart from the server, so tests can call them directly. */
export function handle(req: Request): Response {
  const url = new URL(req.url);
  if (url.pathname === "/health") return new Response("ok");
  return new Response(`hello, ${Bun.env.GREETING ?? "world"}`);
}
