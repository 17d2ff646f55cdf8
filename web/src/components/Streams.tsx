import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type LogStream, op } from '../api';
import { ago, formatBytes } from '../format';
import { navigate, update } from '../router';
import { type AppState, viewOf } from '../state';
import { formatTime } from '../time';

const PREFIX_MAX = 1000;

/**
 * The streams of a group, most recent event first. CloudWatch lists by
 * prefix only in name order, so with a prefix the first 1,000 matches are
 * read and sorted here (and the page says so when there are more).
 */
export function Streams({ state }: { state: AppState }) {
  const group = state.groups[0] ?? '';
  const [streams, setStreams] = useState<LogStream[]>([]);
  const [token, setToken] = useState<string | undefined>();
  const [truncated, setTruncated] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState('');
  const [prefix, setPrefix] = useState(state.filter);
  const gen = useRef(0);

  const load = async (next?: string) => {
    const g = ++gen.current;
    setLoading(true);
    setError('');
    try {
      if (state.filter) {
        let all: LogStream[] = [];
        let tok: string | undefined;
        do {
          const r = await op<{ logStreams: LogStream[]; nextToken?: string }>('DescribeLogStreams', { logGroupName: group, logStreamNamePrefix: state.filter, limit: 50, ...(tok ? { nextToken: tok } : {}) });
          if (g !== gen.current) return;
          all = all.concat(r.logStreams);
          tok = r.nextToken;
        } while (tok && all.length < PREFIX_MAX);
        all.sort((a, b) => (b.lastEventTimestamp ?? 0) - (a.lastEventTimestamp ?? 0) || a.logStreamName.localeCompare(b.logStreamName));
        setStreams(all);
        setTruncated(!!tok);
        setToken(undefined);
      } else {
        const r = await op<{ logStreams: LogStream[]; nextToken?: string }>('DescribeLogStreams', { logGroupName: group, orderBy: 'LastEventTime', descending: true, limit: 50, ...(next ? { nextToken: next } : {}) });
        if (g !== gen.current) return;
        setStreams((prev) => (next ? [...prev, ...r.logStreams] : r.logStreams));
        setToken(r.nextToken);
        setTruncated(false);
      }
    } catch (e) {
      if (g === gen.current) setError((e as ApiError).message);
    } finally {
      if (g === gen.current) setLoading(false);
    }
  };

  useEffect(() => {
    if (group) load();
  }, [group, state.filter]);

  useEffect(() => {
    const t = setTimeout(() => prefix !== state.filter && update({ filter: prefix }, true), 250);
    return () => clearTimeout(t);
  }, [prefix]);

  const open = (streams: string[]) => navigate(viewOf(state, 'events', { groups: [group], streams, filter: '' }));

  return (
    <section class="page">
      <div class="toolbar">
        <a
          class="crumb"
          href="/ui/"
          onClick={(e) => {
            e.preventDefault();
            navigate(viewOf(state, 'groups', { groups: [] }));
          }}
        >
          Log groups
        </a>
        <span class="crumb-sep">/</span>
        <h2 class="group-name">{group}</h2>
        <input class="search" data-search placeholder="Stream name prefix" aria-label="Filter streams by name prefix" value={prefix} onInput={(e) => setPrefix(e.currentTarget.value)} />
        <div class="spacer" />
        <button class="btn" onClick={() => open([])} data-testid="search-group">
          Search all streams
        </button>
        <button class="btn" onClick={() => navigate(viewOf(state, 'tail', { groups: [group] }))}>
          Tail
        </button>
      </div>
      {error && <p class="error">{error}</p>}
      <div class="table-wrap">
        <table class="table" data-testid="streams">
          <thead>
            <tr>
              <th>Stream</th>
              <th>Last event</th>
              <th class="hide-narrow">First event</th>
              <th class="num">Stored</th>
              <th class="hide-narrow">Created</th>
            </tr>
          </thead>
          <tbody>
            {streams.map((s) => (
              <tr key={s.logStreamName}>
                <td class="name">
                  <a
                    href={`/ui/events?g=${encodeURIComponent(group)}&s=${encodeURIComponent(s.logStreamName)}`}
                    onClick={(e) => {
                      e.preventDefault();
                      open([s.logStreamName]);
                    }}
                  >
                    {s.logStreamName}
                  </a>
                </td>
                <td title={s.lastEventTimestamp ? formatTime(s.lastEventTimestamp, state.tz) : ''}>{s.lastEventTimestamp ? ago(s.lastEventTimestamp) : '—'}</td>
                <td class="hide-narrow">{s.firstEventTimestamp ? formatTime(s.firstEventTimestamp, state.tz, false) : '—'}</td>
                <td class="num">{formatBytes(s.storedBytes)}</td>
                <td class="hide-narrow">{s.creationTime ? formatTime(s.creationTime, state.tz, false) : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {!loading && streams.length === 0 && !error && <p class="empty">{state.filter ? 'No stream starts with that prefix.' : 'This group has no streams.'}</p>}
        {truncated && <p class="muted pad">Showing the first {PREFIX_MAX} streams with this prefix (by name), sorted by last event. Narrow the prefix to see the rest.</p>}
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
