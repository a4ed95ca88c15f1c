// About: what this Vigil is and holds (GET /api/about), and the registries' request budgets (GET /api/ratelimits).
import { useFetched } from '../../components/use-fetched.ts';
import { settings } from '../../live/stores.ts';

interface About {
  version: string;
  commit: string;
  go_version: string;
  data_directory: string;
  uptime: string;
  started_at: string;
  poll_interval: string;
  last_scan: string | null;
  containers: number;
  updates_applied: number;
  snapshots: number;
  channels: Array<{ name: string; type: string }>;
  registries: string[];
}

export function AboutSection() {
  const about = useFetched<About>('api/about', () => settings.items.value);
  const value = about.data.value;
  const rows: Array<[string, string]> = value === undefined ? [] : [
    ['Version', `${value.version}${value.commit === '' ? '' : ` (${value.commit})`}`],
    ['Runtime', value.go_version],
    ['Data directory', value.data_directory],
    ['Up since', `${value.started_at} (${value.uptime})`],
    ['Poll interval', value.poll_interval],
    ['Last scan', value.last_scan ?? 'none yet'],
    ['Containers', String(value.containers)],
    ['Updates applied', String(value.updates_applied)],
    ['Snapshots', String(value.snapshots)],
    ['Notification channels', value.channels.map((channel) => `${channel.name} (${channel.type})`).join(', ') || 'none'],
    ['Registries', value.registries.join(', ') || 'none'],
  ];
  return (
    <section aria-label="About">
      <h2>About</h2>
      {about.error.value !== '' && <p class="form-error" role="alert">{about.error.value}</p>}
      <dl class="card about">
        {rows.map(([term, text]) => <div key={term}><dt>{term}</dt><dd>{text}</dd></div>)}
      </dl>
    </section>
  );
}
