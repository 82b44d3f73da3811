import { type DependencyList, useCallback, useEffect, useRef, useState } from "react";
import type { ApiError, Page } from "./api";

export interface Loaded<T> {
  data: T | undefined;
  error: ApiError | null;
  loading: boolean;
  reload(): void;
}

/** Loads data for a page; stale answers (after deps change) are dropped. */
export function useApi<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [state, setState] = useState<{
    data: T | undefined;
    error: ApiError | null;
    loading: boolean;
  }>({ data: undefined, error: null, loading: true });
  const [tick, setTick] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: ApiError) => live && setState({ data: undefined, error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}

export interface LoadedPages<T> extends Loaded<T[]> {
  /** Whether the server holds more after what is loaded. */
  more: boolean;
  loadingMore: boolean;
  loadMore(): void;
}

/**
 * A list loaded page by page: the first page with the deps, the next ones on `loadMore` (a
 * "Show more" button), appended. `reload` starts again from the first page.
 */
export function usePagedApi<T>(
  load: (cursor?: string) => Promise<Page<T>>,
  deps: DependencyList,
): LoadedPages<T> {
  const [state, setState] = useState<{
    items: T[] | undefined;
    next: string | null;
    error: ApiError | null;
    loading: boolean;
    loadingMore: boolean;
  }>({ items: undefined, next: null, error: null, loading: true, loadingMore: false });
  const [tick, setTick] = useState(0);
  // Bumped by every first page: a later page of an older list is dropped.
  const generation = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    load().then(
      (page) =>
        live &&
        setState({
          items: page.data,
          next: page.next_cursor,
          error: null,
          loading: false,
          loadingMore: false,
        }),
      (error: ApiError) =>
        live &&
        setState({ items: undefined, next: null, error, loading: false, loadingMore: false }),
    );
    generation.current += 1;
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const cursor = state.next;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is the caller's, fixed by deps
  const loadMore = useCallback(() => {
    if (cursor === null) return;
    const startedIn = generation.current;
    setState((s) => ({ ...s, loadingMore: true, error: null }));
    load(cursor).then(
      (page) =>
        startedIn === generation.current &&
        setState((s) => ({
          ...s,
          items: [...(s.items ?? []), ...page.data],
          next: page.next_cursor,
          loadingMore: false,
        })),
      (error: ApiError) =>
        startedIn === generation.current && setState((s) => ({ ...s, error, loadingMore: false })),
    );
  }, [cursor]);
  return {
    data: state.items,
    error: state.error,
    loading: state.loading,
    reload,
    more: state.next !== null,
    loadingMore: state.loadingMore,
    loadMore,
  };
}
