// A secret the server shows only once (a new API token, a regenerated webhook secret): shown in a box the user can
// select and copy, with a plain warning that it will not be shown again.
export function SecretOnce({ label, value }: { label: string; value: string | undefined }) {
  if (value === undefined) return null;
  return (
    <div class="card secret-once" role="status">
      <p><strong>{label}</strong> — shown only now; copy it somewhere safe.</p>
      <code class="secret-value">{value}</code>
    </div>
  );
}
