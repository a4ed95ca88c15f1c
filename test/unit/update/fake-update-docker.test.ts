// The fake engine of the machine's unit tests passes the same UpdateDocker contract as the real adapter.
import { FakeClock } from '../../fakes/clock.ts';
import { FakeUpdateDocker } from '../../fakes/update-docker.ts';
import { updateDockerContract } from '../../contract/update-docker-contract.ts';

/** Enough of `sh -c` for the contract: `echo TEXT`, `exit N`, `sleep N`. */
function shell(command: string[]): { exitCode: number; output: string; durationMs: number } {
  const script = command[0] === 'sh' && command[1] === '-c' ? (command[2] ?? '') : command.join(' ');
  let output = '';
  let exitCode = 0;
  let durationMs = 0;
  for (const statement of script.split(';').map((part) => part.trim())) {
    const [verb, ...args] = statement.split(/\s+/);
    if (verb === 'echo') output += `${args.join(' ')}\n`;
    if (verb === 'exit') exitCode = Number(args[0] ?? 0);
    if (verb === 'sleep') durationMs += Number(args[0] ?? 0) * 1000;
  }
  return { exitCode, output, durationMs };
}

updateDockerContract('fake', async () => {
  const clock = new FakeClock();
  const docker = new FakeUpdateDocker({ clock, exec: (_container, command) => shell(command) });
  const imageID = docker.addImage(['vigil-test/contract:1'], { config: { Cmd: ['httpd', '-f', '-p', '80'], Env: ['PATH=/bin'] } });
  docker.publish('registry.test/contract:2', { config: { Cmd: ['httpd', '-f', '-p', '80'], Env: ['PATH=/bin', 'VERSION=2'] } });
  docker.networks.add('contract-net');
  return { docker, image: 'vigil-test/contract:1', imageID, pullable: 'registry.test/contract:2', network: 'contract-net', cleanup: async () => undefined };
});
