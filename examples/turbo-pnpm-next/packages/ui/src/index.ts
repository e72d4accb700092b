export function heading(product: string): string {
  return `${product}: rendered with a UI package built by tsup`;
}
