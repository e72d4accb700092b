export function greeting(name: string): string {
  return `hello ${name}, from a workspace package built by tsc`;
}
