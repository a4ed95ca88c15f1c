// Docker images of one Host (`?host=`, default local), straight from its engine through the Host's session: images
// are not resources (nothing declares them; they are what pulls leave behind). An image a container uses (in any
// state) is never removed: 409.
import type { FastifyInstance } from 'fastify';
import type { DockerClient } from '../../../domain/docker/client.ts';
import { hostParam } from '../container-key.ts';
import type { SentinelContext } from '../context.ts';
import { restErrors } from '../errors.ts';

/** Each Docker call of these routes gives up after this long. */
const DOCKER_TIMEOUT_MS = 60_000;
/** An image ID, full or short, with or without its `sha256:` (a reference with a `/` cannot be a path segment). */
const IMAGE_ID = /^(sha256:)?[0-9a-f]{12,64}$/;

export interface ImageView {
  id: string;
  repo_tags: string[];
  /** Bytes. */
  size: number;
  /** Unix seconds, as Docker's API and Sentinel give it. */
  created: number;
  in_use: boolean;
}

function clientOf(context: SentinelContext, host: string): DockerClient {
  if (context.docker === undefined) throw restErrors.unavailable('the Docker controllers are not running');
  const client = context.docker.client(host);
  if (client === undefined) throw restErrors.unavailable(`host "${host}" is not connected`);
  return client;
}

function sameImage(id: string, wanted: string): boolean {
  const bare = id.replace(/^sha256:/, '');
  const prefix = wanted.replace(/^sha256:/, '');
  return bare.startsWith(prefix);
}

export async function imageRoutes(app: FastifyInstance, context: SentinelContext): Promise<void> {
  app.get('/api/images', async (request): Promise<ImageView[]> => {
    const client = clientOf(context, hostParam(request));
    const signal = AbortSignal.timeout(DOCKER_TIMEOUT_MS);
    const [images, containers] = await Promise.all([client.listImages({ signal }), client.listContainers({ signal })]);
    const used = new Set(containers.map((container) => container.imageID));
    return images
      .sort((a, b) => b.created.getTime() - a.created.getTime())
      .map((image) => ({ id: image.id, repo_tags: image.repoTags, size: image.size, created: Math.floor(image.created.getTime() / 1000), in_use: used.has(image.id) }));
  });

  app.post('/api/images/prune', async (request) => {
    const client = clientOf(context, hostParam(request));
    const result = await client.pruneImages({ signal: AbortSignal.timeout(DOCKER_TIMEOUT_MS) });
    return { images_deleted: result.deleted.length, space_reclaimed: result.spaceReclaimed };
  });

  app.delete<{ Params: { id: string } }>('/api/images/:id', async (request) => {
    const id = request.params.id;
    if (!IMAGE_ID.test(id)) throw restErrors.badRequest(`id: ${JSON.stringify(id)} is not an image ID (sha256:… or at least 12 hex digits)`);
    const client = clientOf(context, hostParam(request));
    const signal = AbortSignal.timeout(DOCKER_TIMEOUT_MS);
    const [images, containers] = await Promise.all([client.listImages({ signal }), client.listContainers({ signal })]);
    const matches = images.filter((image) => sameImage(image.id, id));
    if (matches.length === 0) throw restErrors.notFound(`image ${id} not found`);
    if (matches.length > 1) throw restErrors.badRequest(`id: ${id} names ${matches.length} images: give more of it`);
    const image = matches[0];
    if (image === undefined) throw restErrors.notFound(`image ${id} not found`);
    const users = containers.filter((container) => container.imageID === image.id).map((container) => container.name).sort();
    if (users.length > 0) throw restErrors.conflict(`image ${id} is in use by ${users.join(', ')}: remove the container${users.length > 1 ? 's' : ''} first`);
    // Forced so that an image with several tags goes as a whole (the engine still refuses one a container took since).
    await client.removeImage(image.id, { force: true, signal });
    return { status: 'ok', id: image.id, message: `image ${image.id} removed` };
  });
}
