import { heading } from "@acme/ui";

export const dynamic = "force-dynamic";

export default function Page() {
  return <h1>{heading(process.env.PRODUCT_NAME ?? "acme")}</h1>;
}
