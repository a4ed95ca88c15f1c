// Every state the update machine persists is a valid Container status.operation, so the controller can store it
// as it is: checked against the Container schema for each state of a success and of a rollback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateResource } from '../../../schemas/validation.ts';
import { container } from '../schemas/fixtures.ts';
import { MachineWorld } from './machine-fixture.ts';

test('every persisted operation state validates as Container status.operation (strict)', async () => {
  let checked = 0;
  for (const behaviour of [{}, { health: 'unhealthy' as const }]) {
    const world = await new MachineWorld({ newBehaviour: behaviour }).setUp();
    await world.run(world.operation({ imageBackup: true, preHooks: [{ command: ['/bin/pre'], timeoutSeconds: 5, skipExitCode: 75 }] }));
    for (const operation of world.journal.history) {
      const result = validateResource({ ...container, status: { ...container.status, operation } }, { unknownFields: 'Strict' });
      assert.deepEqual(result.causes, [], `${operation.phase}/${operation.step}`);
      checked += 1;
    }
  }
  assert.ok(checked > 20, `${checked} states`);
});
