import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'preact/hooks';
import { ApiError, caretColumn, type Histogram as HistogramData, histogram, op } from '../api';
import { addCondition, computeFacets, conditionOf } from '../facets';
import { formatCount } from '../format';
import type { LogEvent, Page } from '../merge';
import { absoluteURL, navigate, update } from '../router';
import { type AppState, viewOf } from '../state';
import { isRelative, resolveRange } from '../time';
import { EventWindow, eventIdTime } from '../window';
import { ContextPanel } from './ContextPanel';
import { EventDetail } from './EventDetail';
import { Facets } from './Facets';
import { GroupPicker } from './GroupPicker';
import { Histogram } from './Histogram';
import { Message } from './Message';
import { Time } from './Time';
import { TimeRangePicker } from './TimeRangePicker';
import { VirtualList } from './VirtualList';

const ROW_HEIGHT = 22;
const PAGE = 500;

/**
 * Search: the events of one or several groups (or some streams of one)
 * that match a filter pattern in a time range, with a histogram, a count,
 * field facets, an event's detail and its context.
 */
export function Events({ state }: { state: AppState }) {
  const [refresh, setRefresh] = useState(0);
  const [, bump] = useReducer((x: number) => x + 1, 0);
  const redraw = () => bump(undefined);
  const [win, setWin] = useState<EventWindow | null>(null);
  const [hist, setHist] = useState<HistogramData | null>(null);
  const [histError, setHistError] = useState<ApiError | null>(null);
  const [pattern, setPattern] = useState(state.pattern);
  const [showFacets, setShowFacets] = useState(false);
  const [notice, setNotice] = useState('');
  const [reveal, setReveal] = useState<number | undefined>();
  const linked = useRef(state.event); // a linked event anchors the first load only
  const lastExtend = useRef(0);

  useEffect(() => setPattern(state.pattern), [state.pattern]);

  const query = JSON.stringify([state.groups, state.streams, state.pattern, state.start, state.end, state.order, refresh]);

  useEffect(() => {
    setWin(null);
    setHist(null);
    setHistError(null);
    if (state.groups.length === 0) return;
    const now = Date.now();
    const { start, end } = resolveRange(state, now);
    let anchor: number | undefined;
    const t = linked.current ? eventIdTime(linked.current) : null;
    if (t !== null && t >= start && t <= end) anchor = t;
    linked.current = '';

    const fetchPage = (group: string, forward: boolean, s: number, e: number, token: string | undefined): Promise<Page> => {
      const input: Record<string, unknown> = { logGroupName: group, startTime: s, endTime: e, limit: PAGE, startFromHead: forward };
      if (state.streams.length) input.logStreamNames = state.streams;
      if (state.pattern.trim()) input.filterPattern = state.pattern;
      if (token) input.nextToken = token;
      return op<Page>('FilterLogEvents', input);
    };
    const w = new EventWindow({ groups: state.groups, start, end, order: state.order, anchor }, fetchPage, redraw, PAGE);
    setWin(w);
    lastExtend.current = now; // look for newer events only when the user scrolls back up
    w.load(w.bottomSide);
    if (anchor !== undefined) w.load(w.topSide);

    const ctl = new AbortController();
    const buckets = Math.max(30, Math.min(200, Math.floor((window.innerWidth - 80) / 8)));
    const sel = { logGroupNames: state.groups, logStreamNames: state.streams.length ? state.streams : undefined, filterPattern: state.pattern };
    histogram(sel, start, end, buckets, ctl.signal)
      .then(setHist)
      .catch((e) => e.name !== 'AbortError' && setHistError(e));
    return () => {
      w.close();
      ctl.abort();
    };
  }, [query]);

  const rows = win?.rows ?? [];
  const selectedIndex = useMemo(() => (state.event ? rows.findIndex((e) => e.eventId === state.event) : -1), [rows, state.event]);
  const selected = selectedIndex >= 0 ? rows[selectedIndex] : undefined;

  // Reveal a linked event once it has loaded.
  const revealed = useRef('');
  useEffect(() => {
    if (selectedIndex >= 0 && revealed.current !== state.event) {
      revealed.current = state.event;
      setReveal(selectedIndex);
    }
  }, [selectedIndex]);

  const facets = useMemo(() => (showFacets ? computeFacets(rows.map((r) => r.message)) : []), [rows, showFacets]);

  const onNearTop = useCallback(() => {
    if (!win) return;
    if (!win.done(win.topSide)) win.load(win.topSide);
    else if (win.topSide === 'newer' && isRelative(state) && Date.now() - lastExtend.current > 3000) {
      lastExtend.current = Date.now();
      win.extendNewer(Date.now());
      win.load('newer');
    }
  }, [win, state.start, state.end]);
  const onNearBottom = useCallback(() => win && win.load(win.bottomSide), [win]);

  const search = (p = pattern) => {
    if (p === state.pattern) setRefresh((r) => r + 1);
    else update({ pattern: p, event: '', context: false });
  };

  const addFilter = (path: string, v: string | number | boolean | null) => {
    const cond = conditionOf(path, v);
    if (!cond) return;
    const r = addCondition(state.pattern, cond);
    setNotice(r.replaced ? 'A JSON condition cannot be combined with a text pattern: the pattern was replaced.' : '');
    update({ pattern: r.pattern, event: '', context: false });
  };

  const select = (i: number) => update({ event: rows[i]?.eventId ?? '', context: false }, true);
  // The histogram's pattern errors count characters, FilterLogEvents' bytes: prefer the former.
  const error = histError ?? (win?.error as ApiError | null);
  const patternError = error && /filter pattern/i.test(error.message) ? error : null;
  const multiGroup = state.groups.length > 1;
  const showStream = state.streams.length !== 1;
  const loadingAny = !!win && (win.loading.older || win.loading.newer);

  // Keyboard: Escape closes the detail, x opens the context.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (/^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key === 'Escape' && state.event && !state.context) update({ event: '' }, true);
      if (e.key === 'x' && selected) update({ context: true });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [state.event, state.context, selected]);

  return (
    <section class="page events">
      <div class="toolbar wrap">
        <GroupPicker groups={state.groups} onChange={(groups) => update({ groups, streams: groups.length === 1 ? state.streams : [], event: '' })} />
        {state.streams.length > 0 && (
          <span class="chip" title="Only these streams">
            <span class="chip-text">streams: {state.streams.join(', ')}</span>
            <button class="chip-x" aria-label="All streams" onClick={() => update({ streams: [], event: '' })}>
              ×
            </button>
          </span>
        )}
        <form
          class="search-form"
          onSubmit={(e) => {
            e.preventDefault();
            search();
          }}
        >
          <input
            class={patternError ? 'search pattern invalid' : 'search pattern'}
            data-search
            data-testid="pattern"
            placeholder='Filter pattern: ERROR, "exact phrase", { $.status >= 500 }, [ip, user, ...]'
            aria-label="Filter pattern"
            aria-invalid={!!patternError}
            value={pattern}
            onInput={(e) => setPattern(e.currentTarget.value)}
            spellcheck={false}
          />
          <button class="btn primary" type="submit" data-testid="run-search">
            Search
          </button>
        </form>
        <TimeRangePicker start={state.start} end={state.end} tz={state.tz} onChange={(r) => update({ ...r, event: '' })} />
        <button class="btn" title="Order" onClick={() => update({ order: state.order === 'desc' ? 'asc' : 'desc', event: '' })} data-testid="order">
          {state.order === 'desc' ? 'Newest first' : 'Oldest first'}
        </button>
        <button class={showFacets ? 'btn active' : 'btn'} onClick={() => setShowFacets(!showFacets)} aria-pressed={showFacets} data-testid="fields">
          Fields
        </button>
        <button
          class="btn"
          title="Copy a link to this view with the time range fixed"
          onClick={() => {
            const { start, end } = resolveRange(state, Date.now());
            const url = absoluteURL({ ...state, start: String(start), end: String(end) });
            navigator.clipboard?.writeText(url).catch(() => {});
            setNotice(`Link copied: ${url}`);
          }}
        >
          Share
        </button>
      </div>
      {patternError && (
        <div class="pattern-error" role="alert" data-testid="pattern-error">
          <div>{patternError.message}</div>
          {patternError.position !== undefined && (
            <pre class="caret">
              {state.pattern}
              {'\n'}
              {' '.repeat(Math.max(0, caretColumn(state.pattern, patternError.position)))}^
            </pre>
          )}
        </div>
      )}
      {error && !patternError && <p class="error">{error.message}</p>}
      {notice && (
        <p class="note" onClick={() => setNotice('')}>
          {notice}
        </p>
      )}
      {state.groups.length === 0 ? (
        <p class="empty">Choose one or more log groups to search.</p>
      ) : (
        <>
          <div class="hist-bar">
            <span class="count" data-testid="count">
              {hist ? `${hist.complete ? '' : 'at least '}${formatCount(hist.total)} matching events` : histError ? '' : 'Counting…'}
            </span>
            {hist && (
              <span class="muted">
                {' '}
                · {formatCount(hist.scanned)} scanned in {hist.elapsedMs} ms · {bucketLabel(hist.bucketMs)} bars · drag to zoom
              </span>
            )}
          </div>
          {hist ? <Histogram data={hist} tz={state.tz} onZoom={(a, b) => update({ start: String(a), end: String(b), event: '' })} /> : <div class="histogram placeholder" />}
          <div class="results">
            {showFacets && <Facets facets={facets} events={Math.min(rows.length, 5000)} onFilter={addFilter} onClose={() => setShowFacets(false)} />}
            <div class="list-col">
              <div class="list-head" role="presentation">
                <span class="col-time">Time ({state.tz === 'local' ? 'local' : state.tz})</span>
                {multiGroup && <span class="col-group">Group</span>}
                {showStream && <span class="col-stream">Stream</span>}
                <span class="col-msg">Message</span>
                <span class="muted list-status">
                  {formatCount(rows.length)} loaded{loadingAny ? ' · loading…' : win && win.done(win.bottomSide) ? ' · end of results' : ''}
                </span>
              </div>
              <VirtualList
                items={rows}
                rowHeight={ROW_HEIGHT}
                keyOf={(e: LogEvent) => e.eventId}
                label="Events"
                testId="events"
                selected={selectedIndex}
                revealIndex={reveal}
                onSelect={select}
                onOpen={select}
                onNearTop={onNearTop}
                onNearBottom={onNearBottom}
                renderRow={(e: LogEvent) => (
                  <>
                    <Time t={e.timestamp} tz={state.tz} />
                    {multiGroup && <span class="col-group">{e.logGroupName}</span>}
                    {showStream && <span class="col-stream">{e.logStreamName}</span>}
                    <span class="col-msg">
                      <Message text={e.message} oneLine />
                    </span>
                  </>
                )}
              />
              {win && !loadingAny && rows.length === 0 && !error && <p class="empty overlay-empty">No events match in this time range.</p>}
            </div>
            {selected && (
              <EventDetail
                event={selected}
                tz={state.tz}
                onClose={() => update({ event: '', context: false }, true)}
                onContext={() => update({ context: true })}
                onFilter={addFilter}
                shareURL={absoluteURL({ ...state, ...frozen(state) })}
              />
            )}
          </div>
        </>
      )}
      {state.context && selected && (
        <ContextPanel
          event={selected}
          tz={state.tz}
          onClose={() => update({ context: false }, true)}
          onPick={(e) => navigate(viewOf(state, 'events', { groups: [e.logGroupName], streams: [e.logStreamName], pattern: '', start: String(e.timestamp - 3_600_000), end: String(e.timestamp + 3_600_000), event: e.eventId }))}
        />
      )}
    </section>
  );
}

function frozen(s: AppState) {
  const { start, end } = resolveRange(s, Date.now());
  return { start: String(start), end: String(end) };
}

function bucketLabel(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${ms / 1000} s`;
  if (ms < 3_600_000) return `${ms / 60_000} min`;
  if (ms < 86_400_000) return `${ms / 3_600_000} h`;
  return `${ms / 86_400_000} d`;
}
