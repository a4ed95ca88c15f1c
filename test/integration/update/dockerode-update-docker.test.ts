// The dockerode adapter of UpdateDocker against a real engine and registry: the same contract as the fake.
import { DockerodeUpdateDocker, dockerodeFor } from '../../../controllers/update/docker/dockerode-update-docker.ts';
import { updateDockerContract } from '../../contract/update-docker-contract.ts';
import { buildTestImage, startDockerEngine } from '../../testbed/docker.ts';
import { startLocalRegistry } from './local-registry.ts';

updateDockerContract('dockerode on a real engine', async () => {
  const engine = await startDockerEngine({ name: 'contract' });
  const registry = await startLocalRegistry();
  const imageID = await buildTestImage(engine, { tag: 'vigil-test/contract:1', version: '1' });
  await buildTestImage(engine, { tag: 'vigil-test/contract:2', version: '2' });
  const pullable = await registry.push(engine, 'vigil-test/contract:2', 'team/contract:2');
  // Only the registry has it now: the pull must fetch it.
  await engine.docker(['rmi', pullable, 'vigil-test/contract:2']);
  await engine.docker(['network', 'create', 'contract-net']);
  return {
    docker: new DockerodeUpdateDocker({ docker: dockerodeFor(engine.host) }),
    image: 'vigil-test/contract:1',
    imageID,
    pullable,
    network: 'contract-net',
    cleanup: async () => {
      await registry.cleanup();
      await engine.cleanup();
    },
  };
});
