// Reading and rewriting the few parts of a ServiceSpec Vigil touches; the rest of the spec goes back verbatim.
import type { JsonObject, JsonValue } from '../../schemas/json.ts';
import type { Platform } from '../registry/manifest.ts';

function object(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

export function serviceImage(spec: JsonObject): string {
  const image = object(object(spec.TaskTemplate).ContainerSpec).Image;
  return typeof image === 'string' ? image : '';
}

/** `repo:tag@sha256:…` → `sha256:…`; undefined for an unpinned reference. */
export function digestOf(image: string): string | undefined {
  const at = image.indexOf('@');
  return at < 0 ? undefined : image.slice(at + 1);
}

/** The reference without its `@digest` pin. */
export function withoutDigest(image: string): string {
  const at = image.indexOf('@');
  return at < 0 ? image : image.slice(0, at);
}

export type ServiceMode = 'replicated' | 'global' | 'replicated-job' | 'global-job';

export function serviceMode(spec: JsonObject): { mode: ServiceMode; replicas?: number } {
  const mode = object(spec.Mode);
  if ('Global' in mode) return { mode: 'global' };
  if ('ReplicatedJob' in mode) return { mode: 'replicated-job' };
  if ('GlobalJob' in mode) return { mode: 'global-job' };
  const replicas = object(mode.Replicated).Replicas;
  return { mode: 'replicated', replicas: typeof replicas === 'number' ? replicas : 1 };
}

/** The spec with a new image, and the platforms of its index when it has some (as the CLI's digest resolution does). */
export function withImage(spec: JsonObject, image: string, platforms: readonly Platform[]): JsonObject {
  const template = object(spec.TaskTemplate);
  const placement = object(template.Placement);
  return {
    ...spec,
    TaskTemplate: {
      ...template,
      ContainerSpec: { ...object(template.ContainerSpec), Image: image },
      ...(platforms.length === 0
        ? {}
        : { Placement: { ...placement, Platforms: platforms.map((platform) => ({ OS: platform.os, Architecture: platform.architecture })) } }),
    },
  };
}

/** The task template (image, platforms, everything a task runs) of `from`, in the spec `onto` (its mode and rollout). */
export function withTaskTemplateOf(onto: JsonObject, from: JsonObject): JsonObject {
  const template = from.TaskTemplate;
  if (template === undefined) return onto;
  // ForceUpdate is a counter Swarm compares: keep the current one so the restore is not refused as a step back.
  const current = object(onto.TaskTemplate);
  return { ...onto, TaskTemplate: { ...object(template), ...(current.ForceUpdate === undefined ? {} : { ForceUpdate: current.ForceUpdate }) } };
}
