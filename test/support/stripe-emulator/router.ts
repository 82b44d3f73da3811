import type { Route } from "./engine.js";

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

/** Matches `METHOD /v1/things/:id` paths; literal segments win over `:params` by order. */
export class Router {
  private readonly compiled: CompiledRoute[] = [];

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const names: string[] = [];
      const source = route.path
        .split("/")
        .map((segment) => {
          if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
          names.push(segment.slice(1));
          return "([^/]+)";
        })
        .join("/");
      this.compiled.push({ route, pattern: new RegExp(`^${source}$`), names });
    }
    // Literal routes (`/v1/customers/search`) must be tried before `/v1/customers/:id`.
    this.compiled.sort((a, b) => a.names.length - b.names.length);
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | null {
    for (const { route, pattern, names } of this.compiled) {
      if (route.method !== method) continue;
      const match = pattern.exec(path);
      if (match === null) continue;
      const params: Record<string, string> = {};
      names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] ?? "");
      });
      return { route, params };
    }
    return null;
  }
}
