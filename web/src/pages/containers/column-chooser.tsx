// The column chooser: each user picks the columns of the container list for themselves (column-preference.ts);
// whoever may change settings can make the current choice everyone's default, Settings `dashboardColumns`, through
// POST /api/settings/dashboard-columns (Sentinel's route; live, because the page reads the Settings informer).
import { messageOf, postJson } from '../../api/http.ts';
import { can } from '../../api/session.ts';
import { toast } from '../../components/toasts.tsx';
import { setOwnColumns } from './column-preference.ts';
import { COLUMNS, type ColumnKey } from './layout.ts';

export interface ColumnChooserProps {
  username: string;
  visible: ReadonlySet<ColumnKey>;
  /** Whether the user has a choice of their own (else the default applies). */
  ownChoice: boolean;
}

export function ColumnChooser({ username, visible, ownChoice }: ColumnChooserProps) {
  const ordered = (keys: ReadonlySet<ColumnKey>): ColumnKey[] => COLUMNS.map((column) => column.key).filter((key) => keys.has(key));
  const toggle = (key: ColumnKey, on: boolean): void => {
    const next = COLUMNS.map((column) => column.key).filter((column) => (column === key ? on : visible.has(column)));
    if (next.length === 0) return toast('At least one column besides Name stays visible', 'error');
    setOwnColumns(username, next);
  };
  const makeDefault = async (): Promise<void> => {
    try {
      await postJson('api/settings/dashboard-columns', { columns: ordered(visible) });
      toast('these columns are now the default', 'ok');
    } catch (error) {
      toast(`Saving the default columns failed: ${messageOf(error)}`, 'error');
    }
  };
  return (
    <details class="columns">
      <summary>Columns</summary>
      <fieldset>
        <legend>Shown columns (Name always){ownChoice ? ', your choice' : ', the default'}</legend>
        {COLUMNS.map((column) => (
          <label key={column.key}>
            <input type="checkbox" checked={visible.has(column.key)} onChange={(event) => toggle(column.key, event.currentTarget.checked)} />
            {column.label}
          </label>
        ))}
        {ownChoice && <button type="button" class="btn btn-plain" onClick={() => setOwnColumns(username, undefined)}>Back to the default</button>}
        {can('settings.modify') && <button type="button" class="btn btn-plain" onClick={() => void makeDefault()}>Make these the default for everyone</button>}
      </fieldset>
    </details>
  );
}
