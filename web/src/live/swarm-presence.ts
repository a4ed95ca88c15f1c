// Whether this Vigil knows a swarm, for the Services link in the navigation: a SwarmService exists or a Host reports
// a swarm role. Read with one-off list calls (one SwarmService is enough; Hosts are few) when signed in, when the
// page regains focus and every minute, not with a watch: a watch would hold one of the browser's 6 connections to
// Vigil for a link (live/on-demand.ts says why that matters).
import { computed, signal } from '@preact/signals';
import type { Host, SwarmService } from '../../../schemas/generated/types.ts';
import { getJson } from '../api/http.ts';
import { can } from '../api/session.ts';
import { swarmServices } from './stores.ts';

const API = 'apis/vigil.dev/v1alpha1';
export const PRESENCE_REFRESH_MS = 60_000;

const listed = signal(false);

/** True when the last lists found a swarm, or the Services page's own informer holds a service. */
export const swarmPresent = computed(() => listed.value || swarmServices.items.value.size > 0);

async function refresh(): Promise<void> {
  try {
    const services = await getJson<{ items: SwarmService[] }>(`${API}/swarmservices?limit=1`);
    if (services.items.length > 0) {
      listed.value = true;
      return;
    }
    // Hosts are read with settings.view: a role without it is not asked (a refused call is a console error).
    const hosts = can('settings.view') ? (await getJson<{ items: Host[] }>(`${API}/hosts`)).items : [];
    listed.value = hosts.some((host) => host.status?.swarm !== undefined && host.status.swarm.role !== 'none');
  } catch {
    // Unreachable for now: the link keeps what the last answer said; the connection indicator tells the rest.
  }
}

/** Refreshes now, on focus and every minute, until the returned function is called (sign-out). */
export function followSwarmPresence(): () => void {
  void refresh();
  const onFocus = () => void refresh();
  const onVisible = () => {
    if (document.visibilityState === 'visible') void refresh();
  };
  window.addEventListener('focus', onFocus);
  document.addEventListener('visibilitychange', onVisible);
  const timer = setInterval(onFocus, PRESENCE_REFRESH_MS);
  return () => {
    window.removeEventListener('focus', onFocus);
    document.removeEventListener('visibilitychange', onVisible);
    clearInterval(timer);
    listed.value = false;
  };
}
