// A small HTTP service on Deno's built-in server.
export function handler(request: Request): Response {
  const url = new URL(request.url);
  if (url.pathname === "/health") {
    return new Response("ok");
  }
  const greeting = Deno.env.get("GREETING") ?? "hello";
  return new Response(`${greeting} from Deno\n`);
}

if (import.meta.main) {
  const port = Number(Deno.env.get("PORT") ?? 8000);
  Deno.serve({ port, hostname: "0.0.0.0" }, handler);
}
