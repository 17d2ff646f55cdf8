import { useEffect, useRef, useState } from 'preact/hooks';
import { tailURL } from '../api';
import { formatCount } from '../format';
import type { LogEvent } from '../merge';
import { update } from '../router';
import type { AppState } from '../state';
import { TailBuffer } from '../tailbuffer';
import { EventDetail } from './EventDetail';
import { GroupPicker } from './GroupPicker';
import { Message } from './Message';
import { Time } from './Time';
import { VirtualList } from './VirtualList';

const ROW_HEIGHT = 22;
const caps = [1000, 10_000, 50_000, 100_000];

type Status = 'connecting' | 'live' | 'reconnecting' | 'ended';

/**
 * Live tail: new events of the chosen groups as they arrive (server-sent
 * events from /ui/api/tail). The view follows the newest event while it is
 * at the bottom; scrolling up, selecting text or pausing holds it still.
 */
export function Tail({ state }: { state: AppState }) {
  const [cap, setCap] = useState(10_000);
  const buf = useRef(new TailBuffer(cap));
  const [rows, setRows] = useState<LogEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const [status, setStatus] = useState<Status>('connecting');
  const [reason, setReason] = useState('');
  const [pattern, setPattern] = useState(state.pattern);
  const [selected, setSelected] = useState<LogEvent | null>(null);
  const [atBottom, setAtBottom] = useState(true);
  const [, setTick] = useState(0);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const listRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    buf.current.setCap(cap);
    setRows(buf.current.visible());
  }, [cap]);

  useEffect(() => {
    if (state.groups.length === 0) return;
    buf.current.clear();
    setRows([]);
    setStatus('connecting');
    setReason('');
    const es = new EventSource(tailURL({ logGroupNames: state.groups, filterPattern: state.pattern }, 200));
    let frame = 0;
    // Batch renders to one per animation frame however fast events come.
    const flush = () => {
      frame = 0;
      if (!pausedRef.current && !textSelectedIn(listRef.current)) setRows(buf.current.visible());
      setTick((t) => t + 1);
    };
    es.addEventListener('open', () => setStatus('live'));
    es.addEventListener('events', (m) => {
      const data = JSON.parse((m as MessageEvent).data) as { events: LogEvent[]; dropped?: number };
      buf.current.add(data.events, data.dropped ?? 0);
      setStatus('live');
      if (!frame) frame = requestAnimationFrame(flush);
    });
    es.addEventListener('end', (m) => {
      const d = JSON.parse((m as MessageEvent).data) as { reason: string; message: string };
      setReason(d.message);
      setStatus('ended');
      es.close();
    });
    es.onerror = () => setStatus(es.readyState === EventSource.CLOSED ? 'ended' : 'reconnecting');
    // A selection that ends lets held events in.
    const onSel = () => {
      if (!frame && !textSelectedIn(listRef.current)) frame = requestAnimationFrame(flush);
    };
    document.addEventListener('selectionchange', onSel);
    return () => {
      es.close();
      cancelAnimationFrame(frame);
      document.removeEventListener('selectionchange', onSel);
    };
  }, [JSON.stringify([state.groups, state.pattern])]);

  useEffect(() => {
    if (!paused) setRows(buf.current.visible());
  }, [paused]);

  const pending = buf.current.pending;
  const statusText: Record<Status, string> = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', ended: 'Stopped' };

  return (
    <section class="page tail">
      <div class="toolbar wrap">
        <GroupPicker groups={state.groups} onChange={(groups) => update({ groups })} />
        <form
          class="search-form"
          onSubmit={(e) => {
            e.preventDefault();
            update({ pattern });
          }}
        >
          <input class="search pattern" data-search data-testid="tail-pattern" placeholder="Filter pattern (optional)" aria-label="Filter pattern" value={pattern} onInput={(e) => setPattern(e.currentTarget.value)} spellcheck={false} />
          <button class="btn" type="submit">
            Apply
          </button>
        </form>
        <button class={paused ? 'btn primary' : 'btn'} onClick={() => setPaused(!paused)} data-testid="pause" aria-pressed={paused}>
          {paused ? `Resume${pending ? ` (${formatCount(pending)} new)` : ''}` : 'Pause'}
        </button>
        <button
          class="btn"
          onClick={() => {
            buf.current.clear();
            setRows([]);
          }}
        >
          Clear
        </button>
        <label class="inline">
          Keep
          <select value={cap} onChange={(e) => setCap(Number(e.currentTarget.value))} aria-label="Buffer size">
            {caps.map((c) => (
              <option key={c} value={c}>
                {formatCount(c)}
              </option>
            ))}
          </select>
        </label>
        <span class={`status status-${status}`} data-testid="tail-status" title={reason}>
          {statusText[status]}
        </span>
      </div>
      {reason && <p class="note">{reason}</p>}
      {state.groups.length === 0 ? (
        <p class="empty">Choose log groups to follow.</p>
      ) : (
        <div class="results">
          <div class="list-col" ref={listRef}>
            <div class="list-head">
              <span class="col-time">Time ({state.tz === 'local' ? 'local' : state.tz})</span>
              {state.groups.length > 1 && <span class="col-group">Group</span>}
              <span class="col-stream">Stream</span>
              <span class="col-msg">Message</span>
              <span class="muted list-status">
                {formatCount(rows.length)} shown{pending > 0 ? ` · ${formatCount(pending)} held` : ''}
                {buf.current.dropped ? ` · ${formatCount(buf.current.dropped)} dropped` : ''}
              </span>
            </div>
            <VirtualList
              items={rows}
              rowHeight={ROW_HEIGHT}
              keyOf={(e: LogEvent) => e.eventId}
              label="Live events"
              testId="tail-events"
              stickToBottom
              onAtBottom={setAtBottom}
              selected={selected ? rows.indexOf(selected) : -1}
              onSelect={(i) => setSelected(rows[i])}
              renderRow={(e: LogEvent) => (
                <>
                  <Time t={e.timestamp} tz={state.tz} />
                  {state.groups.length > 1 && <span class="col-group">{e.logGroupName}</span>}
                  <span class="col-stream">{e.logStreamName}</span>
                  <span class="col-msg">
                    <Message text={e.message} oneLine />
                  </span>
                </>
              )}
            />
            {!atBottom && !paused && (
              <button
                class="btn jump"
                onClick={() => {
                  const el = listRef.current?.querySelector('.vlist');
                  if (el) el.scrollTop = el.scrollHeight;
                }}
              >
                ↓ Newest
              </button>
            )}
          </div>
          {selected && <EventDetail event={selected} tz={state.tz} onClose={() => setSelected(null)} />}
        </div>
      )}
    </section>
  );
}

/** Whether the user is selecting text inside el. */
function textSelectedIn(el: HTMLElement | null): boolean {
  const s = window.getSelection();
  if (!el || !s || s.isCollapsed || String(s) === '') return false;
  return el.contains(s.anchorNode) || el.contains(s.focusNode);
}
