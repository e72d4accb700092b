export function banner(name: string): string {
  return `hello ${name}, from a shared package built by bun build`;
}
