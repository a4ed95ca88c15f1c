// The fake engine passes the same contract as the real client, so controller tests on it mean something.
import { describeDockerClientContract, type DockerWorld, type WorldContainer } from '../../contract/docker-client-contract.ts';
import { FakeDockerEngine } from '../../../controllers/docker/fake/fake-engine.ts';

/** A clock that moves on by a millisecond at every reading, so that successive events have distinct times. */
function steppingClock(): () => Date {
  let now = Date.parse('2026-01-15T10:00:00Z');
  return () => new Date((now += 1));
}

describeDockerClientContract('fake engine', {
  world: async (): Promise<DockerWorld> => {
    const engine = new FakeDockerEngine({ now: steppingClock() });
    const image = 'vigil-test/contract:1';
    engine.addImage({ reference: image });
    return {
      client: engine.client(),
      image,
      run: async (container: WorldContainer) => {
        const id = engine.run({
          name: container.name,
          image,
          ...(container.labels === undefined ? {} : { labels: container.labels }),
          state: container.running === false ? 'created' : 'running',
          // Like the real world's shell as PID 1: SIGTERM is ignored, SIGUSR1 ends it.
          exitsOn: ['SIGUSR1'],
          ...(container.stopSignal === undefined ? {} : { stopSignal: container.stopSignal }),
          ...(container.stopTimeout === undefined ? {} : { stopTimeout: container.stopTimeout }),
        });
        if (container.logs !== undefined) engine.writeLogs(id, container.logs);
        return id;
      },
      remove: async (name) => engine.remove(name, { force: true }),
      rename: async (from, to) => engine.rename(from, to),
      commitImage: async (_container, tag) => (tag === undefined ? engine.addDanglingImage() : engine.addImage({ reference: tag })),
      tagImage: async (image, tag) => engine.tagImage(image, tag),
      cleanup: async () => undefined,
    };
  },
});
