import { createEnv } from "@t3-oss/env-nextjs";
import { z } from "zod";

// Validated when next.config loads, at build and at start; CI skips it, as the build has
// no settings.
export const env = createEnv({
  server: { PRODUCT_NAME: z.string().min(1) },
  runtimeEnv: { PRODUCT_NAME: process.env.PRODUCT_NAME },
  skipValidation: !!process.env.CI,
});
