// What the router sees under --base-path: the prefix stripped, the bare prefix sent to its redirect, anything outside
// the prefix (also a longer name sharing its letters) sent where no route matches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASE_PATH_ROOT, OUTSIDE_BASE_PATH, routedUrl } from '../../../apiserver/base-path.ts';

test('under /vigil: the prefix is stripped; /vigil alone redirects; outside it nothing is served', () => {
  assert.equal(routedUrl('/vigil', '/vigil/'), '/');
  assert.equal(routedUrl('/vigil', '/vigil/api/settings?x=1'), '/api/settings?x=1');
  assert.equal(routedUrl('/vigil', '/vigil/apis/vigil.dev/v1alpha1/containers?watch=1'), '/apis/vigil.dev/v1alpha1/containers?watch=1');
  assert.equal(routedUrl('/vigil', '/vigil'), BASE_PATH_ROOT);
  assert.equal(routedUrl('/vigil', '/vigil?next=1'), BASE_PATH_ROOT);
  assert.equal(routedUrl('/vigil', '/api/settings'), `${OUTSIDE_BASE_PATH}/api/settings`);
  assert.equal(routedUrl('/vigil', '/vigilant/readyz'), `${OUTSIDE_BASE_PATH}/vigilant/readyz`);
});

test('without a base path every URL is routed as it is', () => {
  assert.equal(routedUrl('', '/api/settings'), '/api/settings');
  assert.equal(routedUrl('', '/'), '/');
});
