// The pure rewrite of a compose service's image: only that value changes, byte for byte everything else stays.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { composeVariables, rewriteServiceImage, serviceImage } from '../../../../controllers/update/compose/compose-file.ts';

const FILE = `# the lab
version: "3.8"
services:
  web:
    # pinned by hand until the update
    image: 127.0.0.1:5000/team/app:1   # the web app
    ports: ["8080:8080"]
  db:
    image: 127.0.0.1:5000/team/app:1
    environment:
      web: not-an-image
x-web: &web
  image: 127.0.0.1:5000/team/app:1
`;

function rewritten(text: string, service: string, image: string): string {
  const result = rewriteServiceImage(text, service, image);
  assert.equal(result.kind, 'rewritten', JSON.stringify(result));
  return result.kind === 'rewritten' ? result.text : '';
}

describe('compose file rewrite', () => {
  test('only the service\'s image value changes: comments, order, other services and extension fields stay byte for byte', () => {
    const text = rewritten(FILE, 'web', '127.0.0.1:5000/team/app:2');
    assert.equal(text, FILE.replace('image: 127.0.0.1:5000/team/app:1   # the web app', 'image: 127.0.0.1:5000/team/app:2   # the web app'));
    const result = rewriteServiceImage(FILE, 'web', '127.0.0.1:5000/team/app:2');
    assert.equal(result.kind === 'rewritten' ? result.previous : '', '127.0.0.1:5000/team/app:1');
  });

  test('the quoting style is kept: double, single, plain', () => {
    const quoted = 'services:\n  a:\n    image: "nginx:1.25"\n  b:\n    image: \'nginx:1.25\'\n  c:\n    image: nginx:1.25\n';
    let text = rewritten(quoted, 'a', 'nginx:1.26');
    text = rewritten(text, 'b', 'nginx:1.26');
    text = rewritten(text, 'c', 'nginx:1.26');
    assert.equal(text, 'services:\n  a:\n    image: "nginx:1.26"\n  b:\n    image: \'nginx:1.26\'\n  c:\n    image: nginx:1.26\n');
  });

  test('CRLF line endings stay CRLF', () => {
    const crlf = 'services:\r\n  web:\r\n    image: app:1 # c\r\n  db:\r\n    image: db:1\r\n';
    assert.equal(rewritten(crlf, 'web', 'app:2'), 'services:\r\n  web:\r\n    image: app:2 # c\r\n  db:\r\n    image: db:1\r\n');
  });

  test('flow-style service mappings are rewritten in place', () => {
    const flow = 'services:\n  web: { image: app:1, restart: always }\n';
    assert.equal(rewritten(flow, 'web', 'app:2'), 'services:\n  web: { image: app:2, restart: always }\n');
  });

  test('an anchored value keeps its anchor', () => {
    const anchored = 'services:\n  web:\n    image: &img app:1\n';
    assert.equal(rewritten(anchored, 'web', 'app:2'), 'services:\n  web:\n    image: &img app:2\n');
  });

  test('an image from a variable is not rewritten: the variables are named', () => {
    const result = rewriteServiceImage('services:\n  web:\n    image: app:${TAG:-1}\n  db:\n    image: $DB_IMAGE\n', 'web', 'app:2');
    assert.deepEqual(result, { kind: 'variable', previous: 'app:${TAG:-1}', variables: ['TAG'] });
    assert.deepEqual(composeVariables('$REGISTRY/app:${TAG} $$literal'), ['REGISTRY', 'TAG']);
  });

  test('the same image is unchanged; a service without image or a file without services is absent', () => {
    assert.deepEqual(rewriteServiceImage(FILE, 'db', '127.0.0.1:5000/team/app:1'), { kind: 'unchanged' });
    assert.deepEqual(rewriteServiceImage('services:\n  web:\n    build: .\n', 'web', 'app:2'), { kind: 'absent' });
    assert.deepEqual(rewriteServiceImage(FILE, 'cache', 'app:2'), { kind: 'absent' });
    assert.deepEqual(rewriteServiceImage('version: "3"\n', 'web', 'app:2'), { kind: 'absent' });
  });

  test('an alias, a non-string image or broken YAML is invalid with a reason', () => {
    const alias = rewriteServiceImage('x: &img app:1\nservices:\n  web:\n    image: *img\n', 'web', 'app:2');
    assert.equal(alias.kind, 'invalid');
    assert.match(alias.kind === 'invalid' ? alias.message : '', /alias \(\*img\)/);
    assert.equal(rewriteServiceImage('services:\n  web:\n    image: [a]\n', 'web', 'app:2').kind, 'invalid');
    const broken = rewriteServiceImage('services:\n  web: [\n', 'web', 'app:2');
    assert.match(broken.kind === 'invalid' ? broken.message : '', /^not valid YAML/);
  });

  test('a value plain YAML would misread is written double-quoted', () => {
    assert.equal(rewritten('services:\n  web:\n    image: app:1\n', 'web', 'app:2 #x'), 'services:\n  web:\n    image: "app:2 #x"\n');
  });

  test('serviceImage reports the value and its variables', () => {
    assert.deepEqual(serviceImage(FILE, 'web'), { kind: 'found', value: '127.0.0.1:5000/team/app:1', variables: [] });
    assert.deepEqual(serviceImage('services:\n  web:\n    image: ${IMG}\n', 'web'), { kind: 'found', value: '${IMG}', variables: ['IMG'] });
  });
});
