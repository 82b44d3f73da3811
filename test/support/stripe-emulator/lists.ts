import { invalidRequest } from "./errors.js";
import type { ApiList } from "./objects.js";

export interface ListParams {
  limit?: number;
  starting_after?: string;
  ending_before?: string;
}

/**
 * Cursor pagination over objects in creation order, answered newest first with Stripe's
 * `{ object: "list", data, has_more, url }` envelope.
 */
export function paginate<T extends { id: string }>(
  itemsOldestFirst: Iterable<T>,
  params: ListParams,
  url: string,
): ApiList<T> {
  const newestFirst = [...itemsOldestFirst].reverse();
  const limit = params.limit ?? 10;
  let start = 0;
  let end = newestFirst.length;
  if (params.starting_after !== undefined) {
    const index = newestFirst.findIndex((o) => o.id === params.starting_after);
    if (index === -1) {
      throw invalidRequest(
        `No such object: '${params.starting_after}'`,
        "resource_missing",
        "starting_after",
      );
    }
    start = index + 1;
  } else if (params.ending_before !== undefined) {
    const index = newestFirst.findIndex((o) => o.id === params.ending_before);
    if (index === -1) {
      throw invalidRequest(
        `No such object: '${params.ending_before}'`,
        "resource_missing",
        "ending_before",
      );
    }
    end = index;
    start = Math.max(0, end - limit);
  }
  const page = newestFirst.slice(start, Math.min(end, start + limit));
  const hasMore =
    params.ending_before !== undefined ? start > 0 : start + page.length < newestFirst.length;
  return { object: "list", data: structuredClone(page), has_more: hasMore, url };
}
