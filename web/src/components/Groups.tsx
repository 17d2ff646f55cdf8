import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type LogGroup, type LogStream, op } from '../api';
import { ago, formatBytes, retentionLabel } from '../format';
import { navigate, update } from '../router';
import { type AppState, viewOf } from '../state';
import { formatTime } from '../time';

/** Log groups with a name filter; open one, or search, tail or query several. */
export function Groups({ state }: { state: AppState }) {
  const [groups, setGroups] = useState<LogGroup[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [chosen, setChosen] = useState<string[]>(state.groups);
  const [filter, setFilter] = useState(state.filter);
  const [lastEvent, setLastEvent] = useState<Record<string, number | null>>({});
  const gen = useRef(0);

  const load = async (next?: string) => {
    const g = ++gen.current;
    setLoading(true);
    setError('');
    try {
      const input: Record<string, unknown> = { limit: 50 };
      if (state.filter) input.logGroupNamePattern = state.filter;
      if (next) input.nextToken = next;
      const r = await op<{ logGroups: LogGroup[]; nextToken?: string }>('DescribeLogGroups', input);
      if (g !== gen.current) return;
      setGroups((prev) => (next ? [...prev, ...r.logGroups] : r.logGroups));
      setToken(r.nextToken);
      lastEvents(r.logGroups.map((x) => x.logGroupName));
    } catch (e) {
      if (g === gen.current) setError((e as ApiError).message);
    } finally {
      if (g === gen.current) setLoading(false);
    }
  };

  // The time of each group's newest event: its most recent stream's.
  const lastEvents = async (names: string[]) => {
    const queue = [...names];
    const worker = async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        try {
          const r = await op<{ logStreams: LogStream[] }>('DescribeLogStreams', { logGroupName: n, orderBy: 'LastEventTime', descending: true, limit: 1 });
          const t = r.logStreams[0]?.lastEventTimestamp ?? null;
          setLastEvent((m) => ({ ...m, [n]: t }));
        } catch {
          setLastEvent((m) => ({ ...m, [n]: null }));
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  };

  useEffect(() => {
    load();
  }, [state.filter]);

  useEffect(() => {
    const t = setTimeout(() => filter !== state.filter && update({ filter }, true), 250);
    return () => clearTimeout(t);
  }, [filter]);

  const toggle = (name: string) => setChosen((c) => (c.includes(name) ? c.filter((x) => x !== name) : [...c, name]));
  const go = (view: 'events' | 'tail' | 'insights', names: string[]) => navigate(viewOf(state, view, { groups: names, filter: '' }));

  return (
    <section class="page">
      <div class="toolbar">
        <h2>Log groups</h2>
        <input class="search" data-search placeholder="Filter by name" aria-label="Filter log groups by name" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <div class="spacer" />
        <span class="muted">{chosen.length ? `${chosen.length} chosen:` : 'Choose groups to use several at once'}</span>
        <button class="btn" disabled={!chosen.length} onClick={() => go('events', chosen)} data-testid="search-chosen">
          Search
        </button>
        <button class="btn" disabled={!chosen.length} onClick={() => go('tail', chosen)}>
          Tail
        </button>
        <button class="btn" disabled={!chosen.length} onClick={() => go('insights', chosen)}>
          Query
        </button>
      </div>
      {error && <p class="error">{error}</p>}
      <div class="table-wrap">
        <table class="table" data-testid="groups">
          <thead>
            <tr>
              <th class="check" />
              <th>Name</th>
              <th>Retention</th>
              <th class="num">Stored</th>
              <th class="hide-narrow">Last event</th>
              <th class="hide-narrow">Created</th>
              <th class="actions" />
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={g.logGroupName}>
                <td class="check">
                  <input type="checkbox" aria-label={`Choose ${g.logGroupName}`} checked={chosen.includes(g.logGroupName)} onChange={() => toggle(g.logGroupName)} />
                </td>
                <td class="name">
                  <a
                    href={`/ui/streams?g=${encodeURIComponent(g.logGroupName)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(viewOf(state, 'streams', { groups: [g.logGroupName], filter: '' }));
                    }}
                  >
                    {g.logGroupName}
                  </a>
                </td>
                <td>{retentionLabel(g.retentionInDays)}</td>
                <td class="num">{formatBytes(g.storedBytes)}</td>
                <td class="hide-narrow" title={lastEvent[g.logGroupName] ? formatTime(lastEvent[g.logGroupName]!, state.tz) : ''}>
                  {lastEvent[g.logGroupName] === undefined ? '…' : ago(lastEvent[g.logGroupName] ?? undefined)}
                </td>
                <td class="hide-narrow">{g.creationTime ? formatTime(g.creationTime, state.tz, false) : ''}</td>
                <td class="actions">
                  <button class="btn small" onClick={() => go('events', [g.logGroupName])}>
                    Search
                  </button>
                  <button class="btn small hide-narrow" onClick={() => go('tail', [g.logGroupName])}>
                    Tail
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && groups.length === 0 && !error && <p class="empty">{state.filter ? 'No log group matches.' : 'No log groups yet. Create one with the API, e.g. aws logs create-log-group.'}</p>}
        {token && (
          <button class="btn more" disabled={loading} onClick={() => load(token)}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        )}
        {loading && !token && <p class="muted pad">Loading…</p>}
      </div>
    </section>
  );
}
