// The route table: a page is one file in pages/ and one entry here (in the navigation when it has a label).
import type { JSX } from 'preact';
import { ContainerDetailPage } from './pages/container-detail.tsx';
import { ContainersPage } from './pages/containers.tsx';
import { HistoryPage } from './pages/history.tsx';
import { QueuePage } from './pages/queue.tsx';
import { ServiceDetailPage } from './pages/service-detail.tsx';
import { ServicesPage } from './pages/services.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { swarmPresent } from './live/swarm-presence.ts';

export interface Route {
  pattern: string;
  label?: string;
  permission?: string;
  /** Whether the link is in the navigation now (the page itself always answers). */
  visible?: () => boolean;
  render: (params: Record<string, string>) => JSX.Element;
}

export const ROUTES: readonly Route[] = [
  { pattern: '/', label: 'Containers', render: () => <ContainersPage /> },
  { pattern: '/containers/:namespace/:name', render: (params) => <ContainerDetailPage namespace={params.namespace ?? ''} name={params.name ?? ''} /> },
  { pattern: '/services', label: 'Services', visible: () => swarmPresent.value, render: () => <ServicesPage /> },
  { pattern: '/services/:name', render: (params) => <ServiceDetailPage name={params.name ?? ''} /> },
  { pattern: '/queue', label: 'Queue', render: () => <QueuePage /> },
  { pattern: '/history', label: 'History', permission: 'history.view', render: () => <HistoryPage /> },
  { pattern: '/settings', label: 'Settings', render: () => <SettingsPage section={undefined} /> },
  { pattern: '/settings/:section', render: (params) => <SettingsPage section={params.section} /> },
];
