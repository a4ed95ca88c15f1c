// Every route group of the REST facade, registered in this order inside the facade's context (plugin.ts). A group is
// `async (app, context) => { app.get(...); ... }`; its routes must be in the access table (apiserver/auth/access-table.ts)
// or buildApp refuses to start.
import type { RouteGroup } from './context.ts';
import { containerRoutes } from './routes/containers.ts';

export const ROUTE_GROUPS: readonly RouteGroup[] = [
  containerRoutes,
];
