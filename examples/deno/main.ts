// A small HTTP service on Deno's built-in server.
export function handler(request: Request): Response {
  const url = new URL(request.url);
  if (url.pathname === "/health") {
    return new Response("ok");
  }
  if (url.pathname === "/visit") {
    // Apps keep SQLite files and uploads in their working folder: it must be writable.
    Deno.writeTextFileSync("visits.log", "visit\n", { append: true });
    return new Response("visit written to the working folder\n");
  }
  const greeting = Deno.env.get("GREETING") ?? "hello";
  return new Response(`${greeting} from Deno\n`);
}

if (import.meta.main) {
  const port = Number(Deno.env.get("PORT") ?? 8000);
  Deno.serve({ port, hostname: "0.0.0.0" }, handler);
}
