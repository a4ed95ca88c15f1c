// docker info, docker version and (on a manager) GET /nodes as the Host status shows them: the swarm role, and how
// many of the swarm's managers are reachable, from the shapes the Engine API documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineInfoFrom, isSwarmManagerInfo, reachableManagersFrom } from '../../../controllers/docker/responses.ts';

const VERSION = { Version: '27.5.1', ApiVersion: '1.47', Os: 'linux', Arch: 'amd64' };
const managerInfo = { ID: 'E1', Name: 'm1', SystemTime: '2026-12-07T12:00:00.000000000Z', Swarm: { LocalNodeState: 'active', ControlAvailable: true, NodeID: 'n1', Managers: 3, Cluster: { ID: 'c1' } } };
const workerInfo = { ID: 'E2', Name: 'w1', SystemTime: '2026-12-07T12:00:00.000000000Z', Swarm: { LocalNodeState: 'active', ControlAvailable: false, NodeID: 'n4', Managers: 3 } };
const node = (id: string, reachability?: string): Record<string, unknown> => ({ ID: id, Spec: { Role: reachability === undefined ? 'worker' : 'manager' }, ...(reachability === undefined ? {} : { ManagerStatus: { Reachability: reachability, Leader: id === 'n1' } }) });

test('a manager counts the managers GET /nodes reports reachable; workers and unreachable managers do not count', () => {
  const nodes = [node('n1', 'reachable'), node('n2', 'reachable'), node('n3', 'unreachable'), node('n4')];
  assert.equal(reachableManagersFrom(nodes), 2);
  assert.deepEqual(engineInfoFrom(managerInfo, VERSION, nodes).swarm, { role: 'manager', nodeID: 'n1', clusterID: 'c1', managers: 3, managersReachable: 2 });
});

test('without a node list (a manager without quorum answers 503) the figure is left out, not guessed', () => {
  assert.equal(reachableManagersFrom(undefined), undefined);
  assert.equal(reachableManagersFrom({ message: 'rpc error' }), undefined);
  assert.deepEqual(engineInfoFrom(managerInfo, VERSION).swarm, { role: 'manager', nodeID: 'n1', clusterID: 'c1', managers: 3 });
});

test('only a manager is asked for nodes, and a worker never reports reachable managers', () => {
  assert.equal(isSwarmManagerInfo(managerInfo), true);
  assert.equal(isSwarmManagerInfo(workerInfo), false);
  assert.equal(isSwarmManagerInfo({ ID: 'E3', Swarm: { LocalNodeState: 'inactive' } }), false);
  assert.deepEqual(engineInfoFrom(workerInfo, VERSION, [node('n1', 'reachable')]).swarm, { role: 'worker', nodeID: 'n4' });
});
