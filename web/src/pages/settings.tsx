// Settings: one route per group (#/settings/scanning, …/notifications, …), the groups a role may see as tabs. A role
// without settings.view sees only its own account; users and roles only with users.manage. Controls a role may not
// use are not rendered in the sections (settings.modify), and the server refuses them anyway.
import type { JSX } from 'preact';
import { can } from '../api/session.ts';
import { hrefOf } from '../router.ts';
import { AboutSection } from './settings/about-section.tsx';
import { AccountSection } from './settings/account-section.tsx';
import { GeneralSection } from './settings/general-section.tsx';
import { GitOpsSection } from './settings/gitops-section.tsx';
import { NotificationsSection } from './settings/notifications-section.tsx';
import { RegistriesSection } from './settings/registries-section.tsx';
import { SETTING_GROUPS } from './settings/setting-definitions.ts';
import { UsersSection } from './settings/users-section.tsx';
import { WebhookSection } from './settings/webhook-section.tsx';

interface Tab {
  id: string;
  title: string;
  permission?: string;
  render: () => JSX.Element;
}

const TABS: readonly Tab[] = [
  ...SETTING_GROUPS.map((group): Tab => ({ id: group.id, title: group.title, permission: 'settings.view', render: () => <GeneralSection key={group.id} group={group} /> })),
  { id: 'notifications', title: 'Notifications', permission: 'settings.view', render: () => <NotificationsSection /> },
  { id: 'registries', title: 'Registries', permission: 'settings.view', render: () => <RegistriesSection /> },
  { id: 'webhook', title: 'Webhook', permission: 'settings.view', render: () => <WebhookSection /> },
  { id: 'gitops', title: 'GitOps', permission: 'settings.view', render: () => <GitOpsSection /> },
  { id: 'users', title: 'Users', permission: 'users.manage', render: () => <UsersSection /> },
  { id: 'account', title: 'Account', render: () => <AccountSection /> },
  { id: 'about', title: 'About', permission: 'settings.view', render: () => <AboutSection /> },
];

export function SettingsPage({ section }: { section: string | undefined }) {
  const tabs = TABS.filter((tab) => tab.permission === undefined || can(tab.permission));
  const current = tabs.find((tab) => tab.id === section) ?? tabs[0];
  return (
    <>
      <h1>Settings</h1>
      <nav class="tabs" aria-label="Settings sections">
        {tabs.map((tab) => <a key={tab.id} href={hrefOf(`/settings/${tab.id}`)} aria-current={tab === current ? 'page' : undefined}>{tab.title}</a>)}
      </nav>
      {current === undefined ? <p class="muted">Nothing to show.</p> : current.render()}
    </>
  );
}
