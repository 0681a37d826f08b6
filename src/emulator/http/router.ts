/**
 * Route matching. Patterns are anchored regexes over the decoded path (trailing slash removed, so
 * `/services/data/` and `/services/data` are one resource, as in Salesforce); named groups become
 * params. A path that matches some route but not the method is a 405 with `Allow`, not a 404.
 */
import type { Route } from './types.js';

export type RouteMatch =
  | { kind: 'route'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

/** `/a/b/` → `/a/b`; `/` stays. Salesforce ignores one trailing slash on every resource. */
export function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

export class Router {
  private readonly routes: Route[] = [];

  add(routes: readonly Route[]): void {
    for (const route of routes) {
      if (route.pattern.global || route.pattern.sticky) {
        throw new Error(`route ${route.name}: pattern must not be global or sticky (stateful lastIndex)`);
      }
      this.routes.push(route);
    }
  }

  match(method: string, path: string): RouteMatch {
    const allowed = new Set<string>();
    let headFallback: { route: Route; params: Record<string, string> } | undefined;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = { ...m.groups };
      if (route.method === method) return { kind: 'route', route, params };
      allowed.add(route.method);
      // HEAD is GET without a body (node's http server drops the body of HEAD responses).
      if (method === 'HEAD' && route.method === 'GET' && !headFallback) headFallback = { route, params };
    }
    if (headFallback) return { kind: 'route', ...headFallback };
    if (allowed.size > 0) return { kind: 'method-not-allowed', allowed: [...allowed] };
    return { kind: 'not-found' };
  }
}
