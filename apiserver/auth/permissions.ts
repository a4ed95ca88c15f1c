// The permissions and built-in roles of Docker Sentinel (docker-sentinel-rest-api.txt, "10 granular permissions grouped
// into 3 built-in roles"), shared by the REST facade, the resource API and the dashboard.

export const PERMISSIONS = [
  'containers.view',
  'containers.update',
  'containers.manage',
  'containers.approve',
  'containers.rollback',
  'history.view',
  'logs.view',
  'settings.view',
  'settings.modify',
  'users.manage',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_IDS = ['admin', 'operator', 'viewer'] as const;

export type RoleId = (typeof ROLE_IDS)[number];

/**
 * What each role grants. The viewer follows Sentinel's code rather than its documentation table and also gets
 * `settings.view`: a viewer may get, list and watch every resource but Secrets on the resource API (issue 7), and
 * Settings, Registries, Hooks and NotificationChannels are read with `settings.view`, so the two surfaces agree.
 * Nothing secret is behind `settings.view`: Secret values need `settings.modify` everywhere and REST reads mask them.
 */
export const ROLE_PERMISSIONS: Readonly<Record<RoleId, readonly Permission[]>> = {
  admin: PERMISSIONS,
  operator: PERMISSIONS.filter((permission) => permission !== 'settings.modify' && permission !== 'users.manage'),
  viewer: ['containers.view', 'history.view', 'logs.view', 'settings.view'],
};

export function isRoleId(value: unknown): value is RoleId {
  return typeof value === 'string' && (ROLE_IDS as readonly string[]).includes(value);
}

export function isPermission(value: unknown): value is Permission {
  return typeof value === 'string' && (PERMISSIONS as readonly string[]).includes(value);
}

export function permissionsOf(role: RoleId): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

export function roleGrants(role: RoleId, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
