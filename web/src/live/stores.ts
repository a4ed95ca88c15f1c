// The collections the pages read, one informer each. Only the ones most pages need are always on (started once signed
// in, stopped on sign-out); every other kind is on demand (live/on-demand.ts, useInformer in the page that reads it),
// because each running watch holds one of the browser's 6 connections to Vigil. A page that needs another kind adds
// one on-demand informer here, never an always-on one.
import { computed } from '@preact/signals';
import type { Container, ManifestSource, Settings, Snapshot, SwarmService, UpdateRecord } from '../../../schemas/generated/types.ts';
import { Informer, type ConnectionState } from './informer.ts';
import { stopOnDemand } from './on-demand.ts';

const API = 'apis/vigil.dev/v1alpha1';

export type ContainerObject = Container & { metadata: { name: string } };

export const containers = new Informer<Container>(`${API}/containers`);
export const updateRecords = new Informer<UpdateRecord>(`${API}/updaterecords`);
/** Settings `default`: the settings pages read the REST views again whenever it changes. */
export const settings = new Informer<Settings>(`${API}/settings`);

// On demand: only the page that shows them runs them.
export const snapshots = new Informer<Snapshot>(`${API}/snapshots`);
export const manifestSources = new Informer<ManifestSource>(`${API}/manifestsources`);
export const swarmServices = new Informer<SwarmService>(`${API}/swarmservices`);

const alwaysOn = [containers, updateRecords, settings];
const all = [...alwaysOn, snapshots, manifestSources, swarmServices];

export function startInformers(): void {
  for (const informer of alwaysOn) informer.start();
}

export function stopInformers(): void {
  for (const informer of alwaysOn) informer.stop();
  stopOnDemand();
}

/** The worst state of the informers that run: live only when every one of them is. */
export const connection = computed<{ state: ConnectionState; error: string }>(() => {
  const running = all.filter((informer) => informer.running.value);
  const states = running.map((informer) => informer.state.value);
  const error = running.map((informer) => informer.lastError.value).find((text) => text !== '') ?? '';
  if (states.includes('retrying')) return { state: 'retrying', error };
  if (states.includes('connecting')) return { state: 'connecting', error };
  return { state: 'live', error };
});
