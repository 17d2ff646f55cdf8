import { useEffect, useState } from 'preact/hooks';
import { type ContextResult, eventContext } from '../api';
import type { LogEvent } from '../merge';
import { formatTime } from '../time';
import { Message } from './Message';

/** The events before and after one event in its stream. */
export function ContextPanel({ event, tz, onClose, onPick }: { event: LogEvent; tz: string; onClose: () => void; onPick?: (e: LogEvent) => void }) {
  const [span, setSpan] = useState({ before: 25, after: 25 });
  const [res, setRes] = useState<ContextResult | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    const ctl = new AbortController();
    setError('');
    eventContext(event.logGroupName, event.logStreamName, event.eventId, span.before, span.after, ctl.signal)
      .then(setRes)
      .catch((e) => e.name !== 'AbortError' && setError(e.message));
    return () => ctl.abort();
  }, [event.eventId, span]);

  useEffect(() => {
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', esc);
    return () => window.removeEventListener('keydown', esc);
  }, [onClose]);

  useEffect(() => {
    document.querySelector('.ctx-row.anchor')?.scrollIntoView({ block: 'center' });
  }, [res]);

  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-label="Context" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="ctx" data-testid="context">
        <div class="detail-head">
          <strong>Context</strong>
          <span class="muted ellipsis">
            {event.logGroupName} / {event.logStreamName}
          </span>
          <div class="spacer" />
          <button class="btn small ghost" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </div>
        {error && <p class="error">{error}</p>}
        {res?.moreBefore && (
          <button class="btn small more" onClick={() => setSpan({ ...span, before: Math.min(1000, span.before * 2) })}>
            Show more before
          </button>
        )}
        <div class="ctx-list">
          {res?.events.map((e, i) => (
            <div key={e.eventId} class={i === res.index ? 'ctx-row anchor' : 'ctx-row'} onClick={() => onPick?.(e)}>
              <span class="col-time">{formatTime(e.timestamp, tz)}</span>
              <span class="col-msg">
                <Message text={e.message} oneLine />
              </span>
            </div>
          ))}
          {!res && !error && <p class="muted pad">Loading…</p>}
        </div>
        {res?.moreAfter && (
          <button class="btn small more" onClick={() => setSpan({ ...span, after: Math.min(1000, span.after * 2) })}>
            Show more after
          </button>
        )}
      </div>
    </div>
  );
}
