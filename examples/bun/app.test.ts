import { expect, test } from "bun:test";
import { handle } from "./app";

test("the health check answers ok", async () => {
  const res = handle(new Request("http://localhost/health"));
  expect(await res.text()).toBe("ok");
});

test("the greeting defaults to world", async () => {
  const res = handle(new Request("http://localhost/"));
  expect(await res.text()).toBe("hello, world");
});
