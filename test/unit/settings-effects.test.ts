// Every field of the Settings schema has an effect, and a test proves it. The table below names, for each field, the
// tests that show its effect (not merely that it is stored), or the open issue whose feature will use it. A field
// added to schemas/settings.schema.json without a row fails here, so no setting can be stored and ignored; a row
// whose test was renamed or deleted fails too. docs/resources.md lists the same fields for users.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../testbed/provision.ts';

interface Proof {
  file: string;
  /** The test's title, or for a table-driven test the row's name, exactly as written in the file. */
  title: string;
}
type Effect = { proofs: Proof[] } | { issue: number; use: string };

const REGISTRY_TRIGGERS = 'test/unit/registry-check/scan-triggers.test.ts';
const EFFECTIVE = 'test/unit/inventory/effective.test.ts';
const UPDATE = 'test/unit/update/update-controller.test.ts';
const ORDER = 'test/unit/update/update-controller-order.test.ts';
const OPTIONS = 'test/unit/update/settings-options.test.ts';
const RETENTION = 'test/unit/update/retention.test.ts';
const HA_IT = 'test/integration/notifications/home-assistant.test.ts';
const HA_TOPICS = 'test/unit/home-assistant/topics.test.ts';
const HA_CONTROLLER = 'test/unit/home-assistant/controller.test.ts';
const HA_PREFIXES = 'a new discoveryPrefix or statePrefix removes the entities under the old topics and announces them under the new ones; a channel status write does not reconnect';
const OIDC = 'test/integration/auth/oidc.test.ts';
const OIDC_UNIT = 'test/unit/auth/oidc-settings.test.ts';
const OIDC_ROLES = 'auto-create on: groups from userinfo map to each role, the highest wins, no mapped group gives the default role';
const OPTIONS_TITLE = 'Settings gracePeriod, imageCleanup, imageBackup, removeVolumes and dependencyAware become the options of an update';

const EFFECTS: Record<string, Effect> = {
  pollInterval: { proofs: [
    { file: REGISTRY_TRIGGERS, title: 'the first scan runs at start; the next one after the poll interval, not before' },
    { file: REGISTRY_TRIGGERS, title: 'a changed poll interval applies to the next scan at once' },
  ] },
  schedule: { proofs: [{ file: REGISTRY_TRIGGERS, title: 'a cron schedule replaces the interval' }] },
  defaultPolicy: { proofs: [{ file: EFFECTIVE, title: 'Settings beat the built-in default' }] },
  gracePeriod: { proofs: [{ file: OPTIONS, title: OPTIONS_TITLE }] },
  paused: { proofs: [
    { file: REGISTRY_TRIGGERS, title: 'paused: no scheduled scans and no nextScan, but a requested scan runs and is recorded as handled' },
    { file: 'test/integration/registry-check/scan.test.ts', title: 'paused: nothing is checked; unpaused: the first scan finds exactly the right target on every host' },
  ] },
  latestAutoUpdate: { proofs: [
    { file: EFFECTIVE, title: 'latestAutoUpdate makes a container on latest auto, as Settings' },
    { file: EFFECTIVE, title: 'latestAutoUpdate does not apply to a versioned tag' },
  ] },
  filters: { proofs: [{ file: 'test/unit/registry-check/checks.test.ts', title: 'pinned, filtered, stopped and gone containers and those on a paused Host are left out of scans' }] },
  imageCleanup: { proofs: [{ file: OPTIONS, title: OPTIONS_TITLE }] },
  imageBackup: { proofs: [{ file: OPTIONS, title: OPTIONS_TITLE }] },
  hooksEnabled: { proofs: [{ file: ORDER, title: 'a pre-update hook exiting 75 skips the update; hooks run only where hooksEnabled' }] },
  hooksWriteLabels: { proofs: [
    { file: 'test/integration/update/hook-labels.test.ts', title: 'hooksWriteLabels: the recreated container carries the Hook resources as sentinel.hook.* labels, and each hook ran once from its Hook resource' },
    { file: 'test/integration/update/hook-labels.test.ts', title: 'hooksWriteLabels: at the next update the label copies are not run as label hooks a second time' },
  ] },
  dependencyAware: { proofs: [
    { file: ORDER, title: 'dependencyAware false: a dependent updates without waiting for its dependency' },
    { file: ORDER, title: 'dependencyAware false: the dependents of an updated container are not restarted' },
    { file: 'test/unit/registry-check/service-checks.test.ts', title: 'dependency order: a service that depends on another waits for its update; with dependencyAware off it does not' },
    { file: OPTIONS, title: OPTIONS_TITLE },
  ] },
  rollbackPolicy: { proofs: [
    { file: 'test/unit/update/update-controller-rollback.test.ts', title: 'an unhealthy new container is rolled back to the old image ID, the rollback policy pins the container, and that version is not tried again' },
    { file: 'test/integration/update/update-controller.test.ts', title: 'a new image whose health check fails is rolled back to the exact old image ID although the tag moved to it, and the rollback policy pins the container' },
  ] },
  versionScope: { proofs: [{ file: EFFECTIVE, title: 'version scope falls back to the global strict/default mode of Settings' }] },
  dryRun: { proofs: [{ file: UPDATE, title: 'dry-run records what an auto-update would do, once, and pulls and changes nothing' }] },
  pullOnly: { proofs: [{ file: UPDATE, title: 'Settings pullOnly pulls the new image for every auto-update and recreates nothing' }] },
  updateDelay: { proofs: [{ file: UPDATE, title: 'the update delay counts from registryCheck.firstSeen' }] },
  showStopped: { proofs: [{ file: 'test/integration/sentinel/show-stopped.test.ts', title: 'showStopped false leaves stopped containers out of GET /api/containers, stats and the queue views' }] },
  removeVolumes: { proofs: [{ file: OPTIONS, title: OPTIONS_TITLE }] },
  scanConcurrency: { proofs: [
    { file: 'test/unit/registry-check/scan-concurrency.test.ts', title: 'scanConcurrency 3: three distinct images are checked at once, never more' },
    { file: 'test/unit/registry-check/scan-concurrency.test.ts', title: 'scanConcurrency absent (default 1): one image at a time' },
  ] },
  updateConcurrency: { proofs: [{ file: ORDER, title: 'at most Settings.updateConcurrency updates run at once, and all of them end' }] },
  maintenanceWindow: { proofs: [{ file: UPDATE, title: 'a maintenance window across a weekend (Fri 22:00-Mon 06:00) holds an auto-update until Friday 22:00' }] },
  stackOrder: { proofs: [
    { file: 'test/unit/web/container-layout.test.ts', title: 'stacks in the saved order first, the others by name, no stack last; unknown and repeated names ignored' },
    { file: 'test/integration/dashboard/containers-layout.test.ts', title: 'hosts and stacks group the list; Move buttons save stackOrder; a resource-API change reorders the page live' },
  ] },
  dashboardColumns: { proofs: [
    { file: 'test/unit/web/container-layout.test.ts', title: 'columns: absent or empty shows all; unknown keys are ignored; a chosen subset shows only it' },
    { file: 'test/integration/dashboard/containers-layout.test.ts', title: 'columns are chosen per user; an admin makes a choice the default (dashboardColumns) that others follow; the host filter' },
  ] },
  composeSync: { proofs: [
    { file: 'test/integration/update/compose-sync.test.ts', title: 'compose sync: rewrites the compose file after an update and compose keeps the new version' },
    { file: 'test/integration/update/compose-sync.test.ts', title: 'compose sync: with sync off the compose file is untouched' },
  ] },
  'haDiscovery.enabled': { proofs: [
    { file: HA_IT, title: 'the retained update entity config has the keys Home Assistant needs, its state the versions; a missing channel shows in Settings status' },
    { file: HA_IT, title: 'disabling discovery removes every entity and the status' },
  ] },
  'haDiscovery.channelRef': { proofs: [
    { file: HA_IT, title: 'the retained update entity config has the keys Home Assistant needs, its state the versions; a missing channel shows in Settings status' },
    { file: 'test/integration/notifications/home-assistant-broker.test.ts', title: 'a wrong password is reported without it; the right one from the Secret connects over TLS and announces' },
  ] },
  'haDiscovery.discoveryPrefix': { proofs: [
    { file: HA_TOPICS, title: 'discoveryPrefix and statePrefix move every topic (surrounding slashes ignored)' },
    { file: HA_CONTROLLER, title: HA_PREFIXES },
  ] },
  'haDiscovery.statePrefix': { proofs: [
    { file: HA_TOPICS, title: 'discoveryPrefix and statePrefix move every topic (surrounding slashes ignored)' },
    { file: HA_CONTROLLER, title: HA_PREFIXES },
  ] },
  'haDiscovery.allowInstall': { proofs: [
    { file: 'test/unit/home-assistant/payloads.test.ts', title: 'allowInstall adds command_topic and payload_install (the Install button)' },
    { file: HA_CONTROLLER, title: 'install: ignored while allowInstall is off, the approval of the queued digest when on, refused for a container without a queued update' },
    { file: HA_IT, title: 'allowInstall off: an install message is ignored, logged and counted, and nothing is approved' },
    { file: HA_IT, title: 'allowInstall on: install on the command topic updates the container on the real engine, recorded as requested by Home Assistant' },
  ] },
  'digest.enabled': { proofs: [{ file: 'test/unit/notifications-controller/digest.test.ts', title: 'on its schedule: nothing at once when enabled, then one digest per interval, not one per pass' }] },
  'digest.time': { proofs: [{ file: 'test/unit/notifications-controller/digest.test.ts', title: 'on its schedule: nothing at once when enabled, then one digest per interval, not one per pass' }, { file: 'test/unit/notifications-pipeline/digest-schedule.test.ts', title: '6h anchored at 08:00: 08:00, 14:00, 20:00, 02:00, then 08:00 again (not every minute as Sentinel)' }] },
  'digest.interval': { proofs: [{ file: 'test/unit/notifications-controller/digest.test.ts', title: 'on its schedule: nothing at once when enabled, then one digest per interval, not one per pass' }, { file: 'test/unit/notifications-pipeline/digest-schedule.test.ts', title: '7d (168h): every Monday at `time`' }] },
  'webhook.enabled': { proofs: [{ file: 'test/integration/sentinel/live.test.ts', title: 'disabled answers 403; enabling makes a secret shown once; a wrong or missing secret is a 401' }] },
  'webhook.secretRef': { proofs: [
    { file: 'test/integration/sentinel/live.test.ts', title: 'disabled answers 403; enabling makes a secret shown once; a wrong or missing secret is a 401' },
    { file: 'test/integration/sentinel/live.test.ts', title: 'Docker Hub, GHCR and generic payloads check the named image' },
  ] },
  'passkeys.publicUrl': { proofs: [
    { file: 'test/unit/auth/passkey-settings.test.ts', title: 'Settings passkeys: no public URL means off; publicUrl makes the relying party and displayName its name' },
    { file: 'test/integration/auth/passkeys.test.ts', title: 'until a public URL is set, the routes answer as Sentinel does when passkeys are off' },
    { file: 'test/integration/auth/passkeys.test.ts', title: 'after a restart the passkey still signs in; a page at another origin than the public URL is told why' },
  ] },
  'passkeys.displayName': { proofs: [
    { file: 'test/unit/auth/passkey-settings.test.ts', title: 'ask for a discoverable credential with user verification, name the relying party by displayName, and exclude the passkeys the user has' },
  ] },
  'oidc.enabled': { proofs: [
    { file: OIDC, title: 'enabled false switches single sign-on off and keeps the rest; true switches it back on' },
    { file: OIDC_UNIT, title: 'off unless enabled with an issuer, a client id and a redirect URL' },
  ] },
  'oidc.issuerUrl': { proofs: [
    { file: OIDC, title: OIDC_ROLES },
    { file: OIDC_UNIT, title: 'plain http issuers only on loopback' },
  ] },
  'oidc.clientId': { proofs: [
    { file: OIDC, title: OIDC_ROLES },
    { file: OIDC, title: 'a wrong state, a wrong nonce, a code issued to another client and a callback used twice are refused' },
  ] },
  'oidc.clientSecretRef': { proofs: [
    { file: OIDC, title: 'POST /api/settings/oidc saves; the secret is masked fully, kept when sent back masked, and bad values are 400s' },
    { file: OIDC, title: OIDC_ROLES },
  ] },
  'oidc.redirectUrl': { proofs: [{ file: OIDC, title: OIDC_ROLES }] },
  'oidc.autoCreate': { proofs: [
    { file: OIDC, title: 'auto-create off: an identity with no linked account is refused' },
    { file: OIDC, title: OIDC_ROLES },
  ] },
  'oidc.defaultRole': { proofs: [
    { file: OIDC_UNIT, title: 'the highest mapped role wins; no mapped group gives defaultRole; no claim gives nothing (the role stays)' },
    { file: OIDC, title: OIDC_ROLES },
  ] },
  'oidc.groupClaim': { proofs: [{ file: OIDC_UNIT, title: 'groupClaim names the claim the groups are read from' }] },
  'oidc.groupMappings': { proofs: [
    { file: OIDC, title: OIDC_ROLES },
    { file: OIDC, title: 'a sign-in without the groups claim keeps the role (no demotion to the default); with the claim the mapping applies' },
  ] },
  'oidc.scopes': { proofs: [
    { file: OIDC, title: 'a sign-in without the groups claim keeps the role (no demotion to the default); with the claim the mapping applies' },
    { file: OIDC_UNIT, title: 'scopes are asked for as set, with openid always added' },
  ] },
  'metrics.enabled': { proofs: [{ file: 'test/integration/sentinel/live.test.ts', title: '/metrics is a 404 until enabled in Settings, then the Prometheus exposition with Vigil metrics' }] },
  releaseSources: { proofs: [{ file: 'test/integration/sentinel/queue.test.ts', title: 'lists standing entries oldest first with the reference fields and a release notes link where known' }] },
  'snapshotRetention.perContainer': { proofs: [
    { file: ORDER, title: 'snapshots beyond Settings.snapshotRetention.perContainer are deleted, newest kept' },
    { file: RETENTION, title: 'without snapshotRetention.maxAge only the count limits snapshots (default 5, newest kept)' },
  ] },
  'snapshotRetention.maxAge': { proofs: [{ file: RETENTION, title: 'snapshotRetention.maxAge deletes the snapshots older than it, whatever their number, but never the one just used' }] },
  'historyRetention.maxRecords': { proofs: [
    { file: RETENTION, title: 'historyRetention.maxRecords keeps the newest UpdateRecords of the host' },
    { file: REGISTRY_TRIGGERS, title: 'scan summaries beyond Settings historyRetention are deleted' },
  ] },
  'historyRetention.maxAge': { proofs: [
    { file: RETENTION, title: 'historyRetention.maxAge deletes the UpdateRecords older than it; the default keeps 90 days' },
    { file: REGISTRY_TRIGGERS, title: 'scan summaries older than Settings historyRetention.maxAge are deleted' },
  ] },
  'manifests.directory': { proofs: [{ file: 'test/integration/gitops/sync-loop.test.ts', title: 'ManifestSource default follows Settings.manifests, and goes when the setting goes (its objects stay)' }] },
  'manifests.resyncInterval': { proofs: [
    { file: 'test/unit/gitops/bootstrap-spec.test.ts', title: 'Settings.manifests.prune false turns pruning off on the default source; resyncInterval is carried over' },
    { file: 'test/integration/gitops/sync-loop.test.ts', title: 'the resync timer restores a field changed by hand, and the status says who changed what' },
  ] },
  'manifests.prune': { proofs: [
    { file: 'test/unit/gitops/bootstrap-spec.test.ts', title: 'Settings.manifests.prune false turns pruning off on the default source; resyncInterval is carried over' },
    { file: 'test/integration/gitops/pass.test.ts', title: 'with pruning off, objects gone from the manifests stay and are reported as skipped' },
  ] },
  notificationTemplates: { proofs: [
    { file: 'test/integration/sentinel/notifications.test.ts', title: 'PUT stores a template in Settings, GET shows it, DELETE reverts it' },
    { file: 'test/integration/sentinel/notifications.test.ts', title: 'preview renders the Go-template placeholders over sample data without escaping anything' },
    { file: 'test/unit/notifications-controller/controller.test.ts', title: 'Settings notificationTemplates render the message that is sent; a channel template overrides it; a broken one falls back and says so' },
  ] },
  scan: { proofs: [
    { file: REGISTRY_TRIGGERS, title: 'paused: no scheduled scans and no nextScan, but a requested scan runs and is recorded as handled' },
    { file: 'test/integration/registry-check/scan.test.ts', title: 'a requested full scan checks everything again and is recorded as handled' },
  ] },
  sendDigest: { proofs: [{ file: 'test/unit/notifications-controller/digest.test.ts', title: 'a requested digest names every pending container once, fills the banner list and is recorded as handled' }] },
  resetNotifyStates: { proofs: [
    { file: 'test/unit/notifications-controller/container-events.test.ts', title: 'DELETE /api/notify-states (Settings resetNotifyStates) makes a pending update notify again, and is recorded as handled' },
  ] },
  digestBannerDismissed: { proofs: [
    { file: 'test/integration/sentinel/notifications.test.ts', title: 'the banner lists what the last digest listed; dismissing hides it until a newer digest' },
  ] },
};

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  $ref?: string;
}

/** The Settings spec's fields: an object with its own properties counts by its leaves, anything else is one field. */
function settingsFields(): string[] {
  const schema = JSON.parse(readFileSync(join(projectRoot, 'schemas', 'settings.schema.json'), 'utf8')) as { $defs: Record<string, SchemaNode> };
  const spec = schema.$defs.SettingsSpec;
  assert.ok(spec?.properties !== undefined, 'SettingsSpec has properties');
  const fields: string[] = [];
  const walk = (node: SchemaNode, prefix: string): void => {
    for (const [name, child] of Object.entries(node.properties ?? {})) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      if (child.type === 'object' && child.properties !== undefined) walk(child, path);
      else fields.push(path);
    }
  };
  walk(spec, '');
  return fields;
}

const fileCache = new Map<string, string>();
function read(file: string): string {
  const cached = fileCache.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(join(projectRoot, file), 'utf8');
  fileCache.set(file, text);
  return text;
}

describe('every Settings field has an effect a test proves', () => {
  test('the table has one row for every field of the Settings schema, and no row for a field that is gone', () => {
    const fields = settingsFields();
    assert.ok(fields.length >= 40, `${fields.length} fields found: the schema walk works`);
    assert.deepEqual(fields.filter((field) => EFFECTS[field] === undefined), [], 'fields without a row: name the test that proves each one\'s effect');
    assert.deepEqual(Object.keys(EFFECTS).filter((field) => !fields.includes(field)), [], 'rows for fields that are not in the schema');
  });

  for (const [field, effect] of Object.entries(EFFECTS)) {
    if ('proofs' in effect) {
      test(`${field}: its proving tests exist under the names given`, () => {
        assert.ok(effect.proofs.length > 0);
        for (const proof of effect.proofs) {
          assert.match(proof.file, /^test\/(unit|integration)\/.+\.test\.ts$/, 'a test file the runner runs');
          assert.ok(existsSync(join(projectRoot, proof.file)), `${proof.file} exists`);
          const text = read(proof.file);
          assert.ok(text.includes(`'${proof.title}'`) || text.includes(`\`${proof.title}\``), `${proof.file} has a test or row named "${proof.title}"`);
          assert.ok(!/\btest\.(skip|todo)\(|\{ ?(skip|todo): ?true/.test(text), `${proof.file} skips none of its tests`);
        }
      });
    } else {
      test(`${field}: used by issue ${String(effect.issue)}, ${effect.use}`, () => {
        assert.ok([14, 20].includes(effect.issue), 'an open issue that builds the feature using it');
        assert.ok(effect.use.length > 10);
      });
    }
  }

  test('docs/resources.md lists every field with what it does', () => {
    const docs = read('docs/resources.md');
    const start = docs.indexOf('## Every Settings field and the test that proves it');
    assert.ok(start >= 0, 'the section exists');
    const section = docs.slice(start, docs.indexOf('\n## ', start + 1) === -1 ? undefined : docs.indexOf('\n## ', start + 1));
    for (const field of Object.keys(EFFECTS)) assert.ok(section.includes(`| \`${field}\` |`), `docs row for ${field}`);
  });
});
