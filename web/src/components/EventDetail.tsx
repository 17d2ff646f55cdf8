import { useMemo, useState } from 'preact/hooks';
import { parseJsonMessage } from '../json';
import type { LogEvent } from '../merge';
import { formatTime } from '../time';
import { JsonTree } from './JsonTree';
import { Message } from './Message';

interface Props {
  event: LogEvent;
  tz: string;
  onClose: () => void;
  onContext?: () => void;
  onFilter?: (path: string, v: string | number | boolean | null) => void;
  shareURL?: string;
}

/** One event in full: its JSON as a tree (or its text), with where it came from. */
export function EventDetail({ event, tz, onClose, onContext, onFilter, shareURL }: Props) {
  const json = useMemo(() => parseJsonMessage(event.message), [event.message]);
  const [raw, setRaw] = useState(false);
  const [copied, setCopied] = useState('');
  const copy = (what: string, text: string) => {
    navigator.clipboard?.writeText(text).then(
      () => setCopied(what),
      () => setCopied('Copy failed'),
    );
    setTimeout(() => setCopied(''), 1500);
  };
  return (
    <aside class="detail" data-testid="event-detail" aria-label="Event">
      <div class="detail-head">
        <strong>{formatTime(event.timestamp, tz)}</strong>
        <div class="spacer" />
        {onContext && (
          <button class="btn small" onClick={onContext} data-testid="open-context" title="Events around this one in its stream (x)">
            Context
          </button>
        )}
        <button class="btn small" onClick={() => copy('Message copied', event.message)}>
          Copy
        </button>
        {shareURL && (
          <button class="btn small" onClick={() => copy('Link copied', shareURL)}>
            Link
          </button>
        )}
        <button class="btn small ghost" onClick={onClose} aria-label="Close" title="Close (Esc)">
          ✕
        </button>
      </div>
      <dl class="meta">
        <dt>Group</dt>
        <dd>{event.logGroupName}</dd>
        <dt>Stream</dt>
        <dd>{event.logStreamName}</dd>
        {event.ingestionTime !== undefined && (
          <>
            <dt>Ingested</dt>
            <dd>{formatTime(event.ingestionTime, tz)}</dd>
          </>
        )}
        <dt>UTC</dt>
        <dd>{new Date(event.timestamp).toISOString()}</dd>
      </dl>
      {copied && <p class="toast">{copied}</p>}
      {json !== undefined && (
        <div class="seg">
          <button class={raw ? 'btn small' : 'btn small active'} onClick={() => setRaw(false)}>
            JSON
          </button>
          <button class={raw ? 'btn small active' : 'btn small'} onClick={() => setRaw(true)}>
            Raw
          </button>
        </div>
      )}
      <div class="detail-body">
        {json !== undefined && !raw ? (
          <JsonTree value={json} onFilter={onFilter} />
        ) : (
          <pre class="message-full" data-testid="message-full">
            <Message text={event.message} />
          </pre>
        )}
      </div>
    </aside>
  );
}
