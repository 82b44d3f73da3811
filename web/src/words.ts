/** A count with its noun: "1 resource", "12 resources" (nouns whose plural adds an s). */
export function countOf(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${noun}${n === 1 ? "" : "s"}`;
}
