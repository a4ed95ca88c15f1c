// The dockerode adapter of UpdateDocker against a real engine and the registry test bed: the same contract as the fake.
import { connectUpdateDocker } from '../../../controllers/update/docker/dockerode-update-docker.ts';
import { updateDockerContract } from '../../contract/update-docker-contract.ts';
import { buildTestImage, startDockerEngine } from '../../testbed/docker.ts';
import { startRegistry } from '../../testbed/registry.ts';

updateDockerContract('dockerode on a real engine', async () => {
  const engine = await startDockerEngine({ name: 'contract' });
  const registry = await startRegistry();
  const imageID = await buildTestImage(engine, { tag: 'vigil-test/contract:1', version: '1' });
  const pullable = `${registry.server}/team/contract:2`;
  await buildTestImage(engine, { tag: pullable, version: '2' });
  await engine.docker(['push', pullable], { timeoutMs: 120_000 });
  // Only the registry has it now: the pull must fetch it.
  await engine.docker(['rmi', pullable]);
  await engine.docker(['network', 'create', 'contract-net']);
  const connection = connectUpdateDocker({ url: engine.host });
  return {
    docker: connection.docker,
    image: 'vigil-test/contract:1',
    imageID,
    pullable,
    network: 'contract-net',
    cleanup: async () => {
      connection.close();
      await registry.cleanup();
      await engine.cleanup();
    },
  };
});
