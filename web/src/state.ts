// The app's state lives in the URL, so that every view can be shared:
// the path names the view, the query string holds the rest.
//
//   /ui/                      log groups   (f = name filter)
//   /ui/streams?g=G           streams of G (f = prefix)
//   /ui/events?g=G&g=H&s=S    events of groups G, H (streams S…) with
//                             q = filter pattern, start/end = range,
//                             order = desc|asc, ev = selected eventId,
//                             ctx = 1 to show the selected event's context
//   /ui/tail?g=G&q=…          live tail
//   /ui/insights?g=G&iq=…     Logs Insights (iq = query, run = 1 runs it)
//
// tz (time zone: "local", "UTC" or an IANA name) applies to every view.

export type View = 'groups' | 'streams' | 'events' | 'tail' | 'insights';

export interface AppState {
  view: View;
  groups: string[];
  streams: string[];
  filter: string;
  pattern: string;
  start: string;
  end: string;
  tz: string;
  order: 'desc' | 'asc';
  event: string;
  context: boolean;
  query: string;
  run: boolean;
}

export const defaults: AppState = {
  view: 'groups',
  groups: [],
  streams: [],
  filter: '',
  pattern: '',
  start: '-1h',
  end: 'now',
  tz: 'local',
  order: 'desc',
  event: '',
  context: false,
  query: '',
  run: false,
};

const views: View[] = ['groups', 'streams', 'events', 'tail', 'insights'];
export const BASE = '/ui/';

/** Reads the state from a path and query string. */
export function parseState(pathname: string, search: string): AppState {
  const p = new URLSearchParams(search);
  let rest = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname.replace(/^\//, '');
  rest = rest.replace(/\/+$/, '');
  const view = (views as string[]).includes(rest) ? (rest as View) : 'groups';
  const str = (k: string, d: string) => p.get(k) ?? d;
  return {
    view,
    groups: p.getAll('g').filter(Boolean),
    streams: p.getAll('s').filter(Boolean),
    filter: str('f', ''),
    pattern: str('q', ''),
    start: str('start', defaults.start),
    end: str('end', defaults.end),
    tz: str('tz', defaults.tz),
    order: p.get('order') === 'asc' ? 'asc' : 'desc',
    event: str('ev', ''),
    context: p.get('ctx') === '1',
    query: str('iq', ''),
    run: p.get('run') === '1',
  };
}

/** Writes the state as a path and query string; defaults are left out. */
export function formatState(s: AppState): string {
  const p = new URLSearchParams();
  for (const g of s.groups) p.append('g', g);
  for (const st of s.streams) p.append('s', st);
  const set = (k: string, v: string, d: string) => {
    if (v !== d) p.set(k, v);
  };
  set('f', s.filter, '');
  set('q', s.pattern, '');
  if (s.view !== 'groups' && s.view !== 'streams') {
    set('start', s.start, defaults.start);
    set('end', s.end, defaults.end);
  }
  set('tz', s.tz, defaults.tz);
  if (s.view === 'events') {
    set('order', s.order, defaults.order);
    set('ev', s.event, '');
    if (s.context && s.event) p.set('ctx', '1');
  }
  if (s.view === 'insights') {
    set('iq', s.query, '');
    if (s.run) p.set('run', '1');
  }
  const q = p.toString();
  return BASE + (s.view === 'groups' ? '' : s.view) + (q ? '?' + q : '');
}

/** The state for a view of some groups, keeping what carries over. */
export function viewOf(s: AppState, view: View, changes: Partial<AppState> = {}): AppState {
  return {
    ...defaults,
    view,
    groups: s.groups,
    tz: s.tz,
    start: s.start,
    end: s.end,
    pattern: view === 'events' || view === 'tail' ? s.pattern : '',
    query: s.query,
    ...changes,
  };
}
