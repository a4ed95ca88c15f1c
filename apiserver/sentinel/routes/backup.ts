// GET /api/config/export (a download; secrets redacted unless ?secrets=true) and POST /api/config/import (at most
// 5 MB, as Sentinel; a larger body is a 413 in the error envelope).
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { BackupError, exportConfig, importConfig } from '../backup/config-backup.ts';
import type { SentinelContext } from '../context.ts';
import { RestError, restErrors } from '../errors.ts';
import { SettingValueError } from '../settings/setting-values.ts';

export const IMPORT_LIMIT_BYTES = 5 * 1024 * 1024;

export async function backupRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  const { resources } = context;

  app.get<{ Querystring: { secrets?: string } }>('/api/config/export', async (request, reply) => {
    const now = context.now();
    const backup = await exportConfig(resources, { secrets: request.query.secrets === 'true', now });
    const day = now.toISOString().slice(0, 10).replace(/-/g, '');
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="vigil-config-${day}.json"`)
      .send(`${JSON.stringify(backup, null, 2)}\n`);
  });

  app.post('/api/config/import', {
    bodyLimit: IMPORT_LIMIT_BYTES,
    // Refused before the body is read when its size is announced (a chunked body is cut at the limit by bodyLimit).
    onRequest: async (request) => {
      const length = Number(request.headers['content-length']);
      if (Number.isFinite(length) && length > IMPORT_LIMIT_BYTES) throw new RestError(413, `the backup is larger than ${IMPORT_LIMIT_BYTES / 1024 / 1024} MB`);
    },
  }, async (request) => {
    try {
      return await importConfig(resources, request.body, { newId: () => `ch-${randomBytes(4).toString('hex')}` });
    } catch (error) {
      if (error instanceof BackupError || error instanceof SettingValueError) throw restErrors.badRequest(error.message);
      throw error;
    }
  });
}
