// The column chooser: which columns of the container list show, saved in Settings `dashboardColumns` through
// POST /api/settings/dashboard-columns (Sentinel's route), so every browser shows the same list; live, because the
// page reads the Settings informer. Only those who may change settings see it.
import { messageOf, postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { toast } from '../../components/toasts.tsx';
import { COLUMNS, type ColumnKey } from './layout.ts';

export function ColumnChooser({ visible }: { visible: ReadonlySet<ColumnKey> }) {
  if (!can('settings.modify')) return null;
  const toggle = async (key: ColumnKey, on: boolean): Promise<void> => {
    const next = COLUMNS.map((column) => column.key).filter((column) => (column === key ? on : visible.has(column)));
    if (next.length === 0) return toast('At least one column besides Name stays visible', 'error');
    try {
      await postJson('api/settings/dashboard-columns', { columns: next });
    } catch (error) {
      toast(`Saving the columns failed: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <details class="columns">
      <summary>Columns</summary>
      <fieldset>
        <legend>Shown columns (Name always)</legend>
        {COLUMNS.map((column) => (
          <label key={column.key}>
            <input type="checkbox" checked={visible.has(column.key)} onChange={(event) => void toggle(column.key, event.currentTarget.checked)} />
            {column.label}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
