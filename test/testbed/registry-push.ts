// Pushes images straight through the registry API (no Docker engine): a config blob, one small gzipped tar layer and
// a manifest, or several platform manifests and an index over them (a multi-architecture image). Each version gets
// its own content, so each tag has its own digest; re-pushing a version to another tag gives the same digest.
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { buildTestImage, type DockerEngine } from './docker.ts';
import type { TestRegistry } from './registry.ts';
import { deadlines } from './deadlines.ts';

export interface TestPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface PushOptions {
  /** Makes the content distinct; also the org.opencontainers.image.version label. */
  version: string;
  platform?: TestPlatform;
  /** Docker (schema 2) or OCI media types; default docker. */
  format?: 'docker' | 'oci';
}

export interface PushedManifest {
  digest: string;
  mediaType: string;
  size: number;
  /** The config blob's digest: the image ID an engine shows after pulling it. */
  configDigest: string;
  platform: TestPlatform;
}

const TYPES = {
  docker: {
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  },
  oci: {
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    index: 'application/vnd.oci.image.index.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  },
} as const;

function digestOf(content: Buffer): string {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** A tar archive holding one regular file (ustar header, content padded to 512 bytes, two zero blocks). */
function tarWithFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${content.length.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0', 257);
  header.write('00', 263);
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

export async function uploadBlob(registry: TestRegistry, repository: string, content: Buffer): Promise<string> {
  const digest = digestOf(content);
  const existing = await registry.api('HEAD', `/v2/${repository}/blobs/${digest}`, { repository });
  if (existing.status === 200) return digest;
  const started = await registry.api('POST', `/v2/${repository}/blobs/uploads/`, { repository });
  const location = started.headers.location;
  if (started.status !== 202 || typeof location !== 'string') throw new Error(`blob upload to ${repository} not started: HTTP ${started.status} ${started.body.toString()}`);
  const target = new URL(location, registry.url);
  target.searchParams.set('digest', digest);
  const finished = await registry.api('PUT', target.toString(), { repository, headers: { 'content-type': 'application/octet-stream' }, body: content });
  if (finished.status !== 201) throw new Error(`blob upload to ${repository} failed: HTTP ${finished.status} ${finished.body.toString()}`);
  return digest;
}

/** PUTs a manifest under a tag (or digest); returns its digest. */
export async function putManifest(registry: TestRegistry, repository: string, reference: string, mediaType: string, body: Buffer): Promise<string> {
  const answer = await registry.api('PUT', `/v2/${repository}/manifests/${reference}`, { repository, headers: { 'content-type': mediaType }, body });
  if (answer.status !== 201) throw new Error(`manifest PUT ${repository}:${reference} failed: HTTP ${answer.status} ${answer.body.toString()}`);
  return digestOf(body);
}

/** Uploads one platform image (not tagged unless `tags` is given). */
export async function pushImage(registry: TestRegistry, repository: string, tags: string[], options: PushOptions): Promise<PushedManifest> {
  const format = options.format ?? 'docker';
  const platform = options.platform ?? { os: 'linux', architecture: 'amd64' };
  const types = TYPES[format];
  const tar = tarWithFile('version', Buffer.from(`${options.version} ${platform.os}/${platform.architecture}${platform.variant === undefined ? '' : `/${platform.variant}`}\n`));
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant === undefined ? {} : { variant: platform.variant }),
      config: { Labels: { 'org.opencontainers.image.version': options.version } },
      rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
    }),
  );
  const layerDigest = await uploadBlob(registry, repository, layer);
  const configDigest = await uploadBlob(registry, repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: { mediaType: types.config, size: config.length, digest: configDigest },
      layers: [{ mediaType: types.layer, size: layer.length, digest: layerDigest }],
    }),
  );
  const digest = digestOf(manifest);
  await putManifest(registry, repository, tags[0] ?? digest, types.manifest, manifest);
  for (const tag of tags.slice(1)) await putManifest(registry, repository, tag, types.manifest, manifest);
  return { digest, mediaType: types.manifest, size: manifest.length, configDigest, platform };
}

/** A multi-architecture image: one manifest per platform and an index over them, tagged with every tag. */
export async function pushIndex(registry: TestRegistry, repository: string, tags: string[], options: { version: string; platforms: TestPlatform[]; format?: 'docker' | 'oci' }): Promise<{ digest: string; manifests: PushedManifest[] }> {
  const format = options.format ?? 'oci';
  const manifests: PushedManifest[] = [];
  for (const platform of options.platforms) manifests.push(await pushImage(registry, repository, [], { version: options.version, platform, format }));
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: TYPES[format].index,
      manifests: manifests.map((manifest) => ({ mediaType: manifest.mediaType, size: manifest.size, digest: manifest.digest, platform: manifest.platform })),
    }),
  );
  const digest = digestOf(index);
  for (const tag of tags) await putManifest(registry, repository, tag, TYPES[format].index, index);
  return { digest, manifests };
}

/**
 * Builds a busybox test image on `engine` (test/testbed/docker.ts) and `docker push`es it to the registry, as a
 * user's image gets there. Engines treat registries on 127.0.0.0/8 as insecure, so plain HTTP works (anonymous
 * mode). Returns the image ID and the digest the engine recorded in RepoDigests.
 */
export async function buildAndPush(engine: DockerEngine, registry: TestRegistry, repository: string, tag: string, version: string): Promise<{ reference: string; imageID: string; digest: string }> {
  const reference = `${registry.server}/${repository}:${tag}`;
  const imageID = await buildTestImage(engine, { tag: reference, version, health: 'none' });
  await engine.docker(['push', reference], { timeoutMs: deadlines.dockerCommand });
  const repoDigests = JSON.parse(await engine.docker(['image', 'inspect', '--format', '{{json .RepoDigests}}', reference])) as string[];
  const entry = repoDigests.find((value) => value.startsWith(`${registry.server}/${repository}@`));
  if (entry === undefined) throw new Error(`docker push of ${reference} left no RepoDigest for it: ${JSON.stringify(repoDigests)}`);
  return { reference, imageID, digest: entry.slice(entry.indexOf('@') + 1) };
}

/**
 * Copies REPOSITORY:TAG byte for byte (an image manifest, its config and layers) from one registry to another, so
 * that both serve the same build under the same digest, as a project publishing to Docker Hub and GHCR does.
 * Returns the digest.
 */
export async function copyImage(from: TestRegistry, to: TestRegistry, repository: string, tag: string): Promise<string> {
  const accept = [TYPES.docker.manifest, TYPES.oci.manifest].join(', ');
  const answer = await from.api('GET', `/v2/${repository}/manifests/${tag}`, { repository, headers: { accept } });
  if (answer.status !== 200) throw new Error(`manifest GET ${repository}:${tag} failed: HTTP ${answer.status}`);
  const mediaType = String(answer.headers['content-type'] ?? TYPES.docker.manifest);
  const manifest = JSON.parse(answer.body.toString()) as { config: { digest: string }; layers: Array<{ digest: string }> };
  for (const digest of [manifest.config.digest, ...manifest.layers.map((layer) => layer.digest)]) {
    const blob = await from.api('GET', `/v2/${repository}/blobs/${digest}`, { repository });
    if (blob.status !== 200) throw new Error(`blob GET ${repository}@${digest} failed: HTTP ${blob.status}`);
    await uploadBlob(to, repository, blob.body);
  }
  return await putManifest(to, repository, tag, mediaType, answer.body);
}
