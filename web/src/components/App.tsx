import { useEffect, useState } from 'preact/hooks';
import { type Config, type Session, getConfig, getSession, setSignedOutHandler, signOut } from '../api';
import { navigate, useAppState } from '../router';
import { type View, viewOf } from '../state';
import { loadTheme, nextTheme, saveTheme, type Theme } from '../theme';
import { SignIn } from './SignIn';
import { Groups } from './Groups';
import { Streams } from './Streams';
import { Events } from './Events';
import { Tail } from './Tail';
import { Insights } from './Insights';

const tabs: { view: View; label: string; key: string }[] = [
  { view: 'groups', label: 'Log groups', key: 'g' },
  { view: 'events', label: 'Search', key: 's' },
  { view: 'tail', label: 'Live tail', key: 't' },
  { view: 'insights', label: 'Insights', key: 'i' },
];

export function App() {
  const [config, setConfig] = useState<Config | null>(null);
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [error, setError] = useState('');
  const state = useAppState();

  useEffect(() => {
    setSignedOutHandler(() => setSession(null));
    Promise.all([getConfig(), getSession()])
      .then(([c, s]) => {
        setConfig(c);
        setSession(s);
      })
      .catch((e) => setError(String(e.message ?? e)));
  }, []);

  // Keyboard: g/s/t/i switch views, / focuses the main search box.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)) return;
      if (e.key === '/') {
        const box = document.querySelector<HTMLInputElement>('[data-search]');
        if (box) {
          e.preventDefault();
          box.focus();
          box.select();
        }
        return;
      }
      const tab = tabs.find((x) => x.key === e.key);
      if (tab && session) navigate(viewOf(state, tab.view));
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [state, session]);

  if (error) return <div class="boot error">Cannot reach the server: {error}</div>;
  if (session === undefined || !config) return <div class="boot">logpond</div>;
  if (session === null) return <SignIn config={config} onSignedIn={setSession} />;

  const current = state.view === 'streams' ? 'groups' : state.view;
  return (
    <div class="app">
      <header class="topbar">
        <a
          class="brand"
          href="/ui/"
          onClick={(e) => {
            e.preventDefault();
            navigate(viewOf(state, 'groups', { groups: [] }));
          }}
        >
          logpond
        </a>
        <nav class="tabs" aria-label="Views">
          {tabs.map((t) => (
            <a
              key={t.view}
              href={'/ui/' + (t.view === 'groups' ? '' : t.view)}
              class={current === t.view ? 'tab active' : 'tab'}
              aria-current={current === t.view ? 'page' : undefined}
              title={`${t.label} (${t.key})`}
              onClick={(e) => {
                e.preventDefault();
                navigate(viewOf(state, t.view));
              }}
            >
              {t.label}
            </a>
          ))}
        </nav>
        <div class="spacer" />
        <span class="who" title={`Access key ${session.accessKeyId}`}>
          {session.account} · {session.region}
        </span>
        <ThemeButton />
        <button
          class="btn ghost"
          data-testid="sign-out"
          onClick={async () => {
            await signOut().catch(() => {});
            setSession(null);
          }}
        >
          Sign out
        </button>
      </header>
      <main class="main">
        {state.view === 'groups' && <Groups state={state} />}
        {state.view === 'streams' && <Streams state={state} />}
        {state.view === 'events' && <Events state={state} />}
        {state.view === 'tail' && <Tail state={state} />}
        {state.view === 'insights' && <Insights state={state} />}
      </main>
    </div>
  );
}

function ThemeButton() {
  const [theme, setTheme] = useState<Theme>(loadTheme());
  const labels: Record<Theme, string> = { auto: 'Theme: system', light: 'Theme: light', dark: 'Theme: dark' };
  const icons: Record<Theme, string> = { auto: '◐', light: '☀', dark: '☾' };
  return (
    <button
      class="btn ghost icon"
      data-testid="theme"
      title={labels[theme]}
      aria-label={labels[theme]}
      onClick={() => {
        const t = nextTheme(theme);
        saveTheme(t);
        setTheme(t);
      }}
    >
      {icons[theme]}
    </button>
  );
}
