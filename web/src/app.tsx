// The shell: the sign-in or setup page until signed in; then the navigation, the connection indicator (the
// informers' state) and the page the hash route names. A link can depend on what exists (Services: a swarm).
import { useEffect } from 'preact/hooks';
import { can, logout, me, session } from './api/session.ts';
import { Toasts } from './components/toasts.tsx';
import { announceOutcomes } from './live/outcome-toasts.ts';
import { connection, startInformers, stopInformers } from './live/stores.ts';
import { followSwarmPresence } from './live/swarm-presence.ts';
import { SetupPage } from './pages/setup.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { hrefOf, location, match } from './router.ts';
import { ROUTES } from './routes.tsx';

function ConnectionIndicator() {
  const { state, error } = connection.value;
  const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return <span class={`connection connection-${state}`} role="status" title={error}>{text}</span>;
}

function Shell() {
  useEffect(() => {
    startInformers();
    const stopAnnouncing = announceOutcomes();
    const stopPresence = followSwarmPresence();
    return () => {
      stopAnnouncing();
      stopPresence();
      stopInformers();
    };
  }, []);
  const path = location.value.path;
  let page = <p>No page at {path}.</p>;
  for (const route of ROUTES) {
    const params = match(route.pattern, path);
    if (params !== undefined) {
      page = route.render(params);
      break;
    }
  }
  const user = me.value;
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">Vigil</a>
        <nav aria-label="Main">
          {ROUTES.filter((route) => route.label !== undefined && (route.permission === undefined || can(route.permission)) && (route.visible?.() ?? true)).map((route) => (
            <a key={route.pattern} href={hrefOf(route.pattern)} aria-current={match(route.pattern, path) !== undefined ? 'page' : undefined}>{route.label}</a>
          ))}
        </nav>
        <ConnectionIndicator />
        {user?.auth_enabled === true && (
          <span class="account">
            {user.username} ({user.role_id}) <button type="button" class="btn" onClick={() => void logout()}>Sign out</button>
          </span>
        )}
      </header>
      <main class="content">{page}</main>
      <Toasts />
    </>
  );
}

export function App() {
  const current = session.value;
  switch (current.state) {
    case 'loading':
      return <main class="auth-page"><p>Loading…</p></main>;
    case 'setup-needed':
      return <SetupPage serverMessage={current.message} />;
    case 'signed-out':
      return <SignInPage />;
    case 'unreachable':
      return <main class="auth-page"><p role="alert">Vigil is not reachable: {current.message}</p></main>;
    case 'signed-in':
      return <Shell />;
  }
}
