import { handler } from "./main.ts";

Deno.test("the health route answers ok", async () => {
  const response = handler(new Request("http://localhost/health"));
  const body = await response.text();
  if (response.status !== 200 || body !== "ok") {
    throw new Error(`health answered ${response.status} ${body}`);
  }
});
