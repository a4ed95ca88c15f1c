// Global settings: `GET /api/settings` (every value, under its SENTINEL_* name and its runtime key), the
// `POST /api/settings/*` of one setting each, Home Assistant discovery, release-note sources, and the endpoints whose
// feature is a server option or comes with later work. Every write is a merge patch of Settings `default`
// (settings/settings-writer.ts), so kubectl, git and every dashboard see it.
import type { FastifyInstance } from 'fastify';
import type { SettingsSpec } from '../../../schemas/generated/types.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';
import { readSettings } from '../reads.ts';
import { settingsView, type SpecPatch } from '../settings/setting-keys.ts';
import { SETTING_ROUTES, settingChange, type SettingRoute } from '../settings/setting-routes.ts';
import { SettingValueError } from '../settings/setting-values.ts';
import { patchSettings } from '../settings/settings-writer.ts';

/** A SettingValueError of a body field becomes the 400 that names it. */
export function inField<T>(field: string, compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof SettingValueError) throw restErrors.badRequest(`${field}: ${error.message}`);
    throw error;
  }
}

export async function settingsSpec(context: SentinelContext): Promise<SettingsSpec> {
  return (await readSettings(context.resources))?.spec ?? {};
}

function bodySchema(route: SettingRoute): Record<string, unknown> {
  return {
    $id: `sentinel-settings-${route.path}`,
    type: 'object',
    required: [route.field],
    properties: { [route.field]: route.type },
  };
}

const HA_DISCOVERY_BODY = {
  $id: 'sentinel-settings-ha-discovery',
  type: 'object',
  required: ['enabled'],
  properties: {
    enabled: { type: 'boolean' },
    prefix: { type: 'string' },
    state_prefix: { type: 'string' },
    channel: { type: 'string' },
    // Vigil's addition: Home Assistant's Install button (Settings spec.haDiscovery.allowInstall).
    allow_install: { type: 'boolean' },
  },
};

const GENERAL_BODY = {
  $id: 'sentinel-settings-general',
  type: 'object',
  required: ['key', 'value'],
  properties: { key: { type: 'string' }, value: { type: 'string' } },
};

const RELEASE_SOURCES_BODY = {
  $id: 'sentinel-release-sources',
  type: 'array',
  items: {
    type: 'object',
    required: ['image_pattern', 'github_repo'],
    properties: { image_pattern: { type: 'string' }, github_repo: { type: 'string' } },
  },
};

const GITHUB_REPO = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

/** Sentinel's general settings are options of the server process here: where each one is set instead. */
const SERVER_OPTIONS: Readonly<Record<string, string>> = {
  web_port: 'the port is vigil serve --port (env VIGIL_PORT)',
  tls_mode: 'TLS is vigil serve --tls auto|off (env VIGIL_TLS)',
  log_format: 'vigil serve logs JSON (pino); the level is --log-level',
};

export async function settingsRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get('/api/settings', async () => settingsView(await settingsSpec(context)));

  for (const route of SETTING_ROUTES) {
    app.post<{ Body: Record<string, unknown> }>(`/api/settings/${route.path}`, { schema: { body: bodySchema(route) } }, async (request) => {
      const change = inField(route.field, () => settingChange(route, request.body[route.field]));
      await patchSettings(resources, change.patch);
      return { status: 'ok', ...change.echo, message: change.message };
    });
  }

  app.post<{ Body: { enabled: boolean; prefix?: string; state_prefix?: string; channel?: string; allow_install?: boolean } }>(
    '/api/settings/ha-discovery',
    { schema: { body: HA_DISCOVERY_BODY } },
    async (request) => {
      const { enabled, prefix, state_prefix: statePrefix, channel, allow_install: allowInstall } = request.body;
      const optional = (value: string | undefined): string | null | undefined => (value === undefined ? undefined : value.trim() === '' ? null : value.trim());
      const haDiscovery = Object.fromEntries(Object.entries({ enabled, discoveryPrefix: optional(prefix), statePrefix: optional(statePrefix), channelRef: optional(channel), allowInstall })
        .filter(([, value]) => value !== undefined)) as SpecPatch;
      await patchSettings(resources, { haDiscovery });
      // The home-assistant controller (controllers/notifications/home-assistant) follows the stored settings.
      return { status: 'ok', enabled, message: `Home Assistant discovery ${enabled ? 'enabled' : 'disabled'}` };
    },
  );

  app.post<{ Body: { key: string; value: string } }>('/api/settings/general', { schema: { body: GENERAL_BODY } }, async (request) => {
    const where = SERVER_OPTIONS[request.body.key];
    if (where === undefined) throw restErrors.badRequest(`key: unknown setting ${JSON.stringify(request.body.key)} (expected web_port, tls_mode or log_format)`);
    throw restErrors.notImplemented(`changing ${request.body.key} over the API (${where})`);
  });

  app.post('/api/settings/switch-role', async () => {
    throw restErrors.notImplemented('switching the instance role (Vigil reaches other Docker hosts as Host resources, without agents)');
  });
  app.post('/api/settings/docker-tls', async () => {
    throw restErrors.notImplemented('Docker TLS over this endpoint (set spec.tls of the Host resource, with the PEM files in Secrets)');
  });
  app.post('/api/settings/docker-tls-test', async () => {
    throw restErrors.notImplemented('testing Docker TLS settings (the Host resource reports its connection in status)');
  });

  app.get('/api/release-sources', async () => {
    const sources = (await settingsSpec(context)).releaseSources ?? [];
    return sources.map((source) => ({ image_pattern: source.imagePattern, github_repo: source.githubRepo }));
  });

  app.put<{ Body: Array<{ image_pattern: string; github_repo: string }> }>('/api/release-sources', { schema: { body: RELEASE_SOURCES_BODY } }, async (request) => {
    const sources = request.body.map((source, index) => {
      const imagePattern = source.image_pattern.trim();
      const githubRepo = source.github_repo.trim();
      if (imagePattern === '') throw restErrors.badRequest(`[${index}].image_pattern: must not be empty`);
      if (!GITHUB_REPO.test(githubRepo)) throw restErrors.badRequest(`[${index}].github_repo: must be OWNER/REPO (got ${JSON.stringify(source.github_repo)})`);
      return { imagePattern, githubRepo };
    });
    await patchSettings(resources, { releaseSources: sources.length === 0 ? null : sources });
    return { status: 'ok', count: sources.length, message: `${sources.length} release source${sources.length === 1 ? '' : 's'} saved` };
  });
}
