// The collections the pages read, one informer each, started once signed in and stopped on sign-out. A page that
// needs another kind adds one line here.
import { computed } from '@preact/signals';
import type { Container, ManifestSource, Settings, Snapshot, UpdateRecord } from '../../../schemas/generated/types.ts';
import { Informer, type ConnectionState } from './informer.ts';

const API = 'apis/vigil.dev/v1alpha1';

export type ContainerObject = Container & { metadata: { name: string } };

export const containers = new Informer<Container>(`${API}/containers`);
export const updateRecords = new Informer<UpdateRecord>(`${API}/updaterecords`);
export const snapshots = new Informer<Snapshot>(`${API}/snapshots`);
/** Settings `default`: the settings pages read the REST views again whenever it changes. */
export const settings = new Informer<Settings>(`${API}/settings`);
export const manifestSources = new Informer<ManifestSource>(`${API}/manifestsources`);

const all = [containers, updateRecords, snapshots, settings, manifestSources];

export function startInformers(): void {
  for (const informer of all) informer.start();
}

export function stopInformers(): void {
  for (const informer of all) informer.stop();
}

/** The worst state of all informers: live only when every one of them is. */
export const connection = computed<{ state: ConnectionState; error: string }>(() => {
  const states = all.map((informer) => informer.state.value);
  const error = all.map((informer) => informer.lastError.value).find((text) => text !== '') ?? '';
  if (states.includes('retrying')) return { state: 'retrying', error };
  if (states.includes('connecting')) return { state: 'connecting', error };
  return { state: 'live', error };
});
