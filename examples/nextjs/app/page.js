export const dynamic = 'force-dynamic';

export default function Page() {
  return <h1>Hello from {process.env.SITE_NAME ?? 'Next.js'}</h1>;
}
