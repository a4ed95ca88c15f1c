// A small world for the update machine's unit tests: a fake engine with an old image running as `web` (two networks,
// an alias, a static address, a port, an env var of its own) and a newer image in the fake registry.
import type { ContainerConfig } from '../../../controllers/update/docker/types.ts';
import type { Action } from '../../../controllers/update/machine/actions.ts';
import { newUpdateOperation, type UpdateOperation, type UpdateOptions } from '../../../controllers/update/machine/operation.ts';
import { runUpdate } from '../../../controllers/update/machine/run.ts';
import { FakeClock } from '../../fakes/clock.ts';
import { MemoryJournal } from '../../fakes/memory-journal.ts';
import { FakeUpdateDocker, type FakeExec, type FakeImageBehaviour } from '../../fakes/update-docker.ts';

export const OLD_REFERENCE = 'registry.test/team/app:1';
export const NEW_REFERENCE = 'registry.test/team/app:2';

const HEALTHCHECK = { Test: ['CMD', '/bin/true'], Interval: 1_000_000_000 };

export function imageConfig(version: string, extra: ContainerConfig = {}): ContainerConfig {
  return {
    Env: ['PATH=/bin', `VERSION=${version}`],
    Cmd: ['httpd', '-f'],
    Labels: { 'org.opencontainers.image.version': version },
    WorkingDir: `/srv/${version}`,
    Healthcheck: HEALTHCHECK,
    ...extra,
  };
}

export const DEFAULT_OPTIONS: UpdateOptions = {
  gracePeriodMs: 5000,
  healthTimeoutMs: 30_000,
  pullOnly: false,
  removeVolumes: false,
  imageCleanup: true,
  imageBackup: false,
  preHooks: [],
  postHooks: [],
};

export interface WorldOptions {
  newBehaviour?: FakeImageBehaviour;
  exec?: FakeExec;
  /** HostConfig of `web` besides its networks. */
  hostConfig?: Record<string, unknown>;
  /** Leave `web` stopped. */
  stopped?: boolean;
}

export class MachineWorld {
  readonly clock = new FakeClock();
  readonly docker: FakeUpdateDocker;
  readonly journal = new MemoryJournal();
  oldImageID = '';
  webID = '';

  readonly options: WorldOptions;

  constructor(options: WorldOptions = {}) {
    this.options = options;
    this.docker = new FakeUpdateDocker({ clock: this.clock, ...(options.exec === undefined ? {} : { exec: options.exec }) });
  }

  async setUp(): Promise<this> {
    const docker = this.docker;
    docker.networks.add('front');
    docker.networks.add('back');
    this.oldImageID = docker.addImage([OLD_REFERENCE], { config: imageConfig('1') }, ['registry.test/team/app@sha256:1111']);
    docker.publish(NEW_REFERENCE, { config: imageConfig('2'), ...(this.options.newBehaviour === undefined ? {} : { behaviour: this.options.newBehaviour }) });
    this.webID = await docker.run('web', OLD_REFERENCE, {
      config: { Env: ['MODE=production'] },
      hostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }, RestartPolicy: { Name: 'unless-stopped' }, ...(this.options.hostConfig ?? {}) },
      networks: { front: { Aliases: ['www'] }, back: { IPAMConfig: { IPv4Address: '10.9.0.5' } } },
    });
    if (this.options.stopped === true) await docker.stopContainer(this.webID, AbortSignal.timeout(1000));
    return this;
  }

  operation(options: Partial<UpdateOptions> = {}, extra: { targetImage?: string; targetDigest?: string } = {}): UpdateOperation {
    return newUpdateOperation({
      containerName: 'web',
      containerID: this.webID,
      targetImage: extra.targetImage ?? NEW_REFERENCE,
      ...(extra.targetDigest === undefined ? {} : { targetDigest: extra.targetDigest }),
      options: { ...DEFAULT_OPTIONS, ...options },
      now: this.clock.now(),
    });
  }

  run(operation: UpdateOperation, beforeAction?: (operation: UpdateOperation, action: Action) => void, signal = AbortSignal.timeout(10_000)): Promise<UpdateOperation> {
    return runUpdate(operation, { docker: this.docker, journal: this.journal, clock: this.clock, signal, ...(beforeAction === undefined ? {} : { beforeAction }) });
  }

  /** The container now named `name`, as `docker inspect` would show it. */
  async inspect(name = 'web') {
    return await this.docker.inspectContainer(name, AbortSignal.timeout(1000));
  }

  containerNames(): string[] {
    return [...this.docker.containers.values()].map((container) => container.Name.slice(1)).sort();
  }
}
