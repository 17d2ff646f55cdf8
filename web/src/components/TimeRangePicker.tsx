import { useEffect, useRef, useState } from 'preact/hooks';
import { allZones, fromInputValue, isValidZone, localZone, parseRelative, rangeLabel, resolveRange, toInputValue, zoneLabel } from '../time';

const quick = ['-5m', '-15m', '-1h', '-3h', '-12h', '-1d', '-3d', '-7d', '-14d'];

interface Props {
  start: string;
  end: string;
  tz: string;
  onChange: (r: { start: string; end: string; tz: string }) => void;
}

/** Relative or absolute time range, in a chosen time zone (always shown). */
export function TimeRangePicker({ start, end, tz, onChange }: Props) {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (ref.current && !ref.current.contains(e.target as Node)) setOpen(false);
    };
    const esc = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', esc);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', esc);
    };
  }, [open]);

  return (
    <div class="trp" ref={ref}>
      <button class="btn trp-button" data-testid="time-range" onClick={() => setOpen(!open)} aria-expanded={open} title="Time range and time zone">
        <span class="trp-label">{rangeLabel({ start, end }, tz)}</span>
        <span class="trp-zone">{zoneLabel(tz)}</span>
      </button>
      {open && (
        <Panel
          start={start}
          end={end}
          tz={tz}
          onChange={(r) => {
            onChange(r);
            setOpen(false);
          }}
        />
      )}
    </div>
  );
}

function Panel({ start, end, tz, onChange }: Props) {
  const now = Date.now();
  const abs = resolveRange({ start, end }, now);
  const [from, setFrom] = useState(toInputValue(abs.start, tz));
  const [to, setTo] = useState(toInputValue(abs.end, tz));
  const [rel, setRel] = useState(parseRelative(start) !== null && end === 'now' ? start.replace(/^-/, '') : '');
  const [zone, setZone] = useState(tz);
  const [error, setError] = useState('');
  const zones = allZones();

  const applyAbsolute = () => {
    const a = fromInputValue(from, zone);
    const b = fromInputValue(to, zone);
    if (a === null || b === null || a > b) {
      setError('Enter a start before the end, as YYYY-MM-DD HH:MM:SS.');
      return;
    }
    onChange({ start: String(a), end: String(b + 999), tz: zone });
  };
  const applyRelative = (r: string) => {
    const v = r.startsWith('-') ? r : '-' + r.trim();
    if (parseRelative(v) === null) {
      setError('Write a duration such as 30m, 2h, 3d or 1w.');
      return;
    }
    onChange({ start: v, end: 'now', tz: zone });
  };

  return (
    <div class="trp-panel" role="dialog" aria-label="Time range">
      <div class="trp-quick">
        {quick.map((q) => (
          <button key={q} class={q === start && end === 'now' ? 'btn small active' : 'btn small'} onClick={() => applyRelative(q)}>
            {rangeLabel({ start: q, end: 'now' }, zone).replace('Last ', '')}
          </button>
        ))}
      </div>
      <form
        class="trp-row"
        onSubmit={(e) => {
          e.preventDefault();
          applyRelative(rel);
        }}
      >
        <label>
          Last
          <input value={rel} placeholder="e.g. 90m" size={6} onInput={(e) => setRel(e.currentTarget.value)} aria-label="Relative duration" />
        </label>
        <button class="btn small" type="submit">
          Apply
        </button>
      </form>
      <form
        class="trp-abs"
        onSubmit={(e) => {
          e.preventDefault();
          applyAbsolute();
        }}
      >
        <label>
          From
          <input type="datetime-local" step="1" value={from} onInput={(e) => setFrom(e.currentTarget.value)} data-testid="range-from" />
        </label>
        <label>
          To
          <input type="datetime-local" step="1" value={to} onInput={(e) => setTo(e.currentTarget.value)} data-testid="range-to" />
        </label>
        <button class="btn small" type="submit">
          Apply absolute
        </button>
      </form>
      <label class="trp-row">
        Time zone
        <select
          value={zone === 'local' ? 'local' : zone}
          data-testid="tz"
          onChange={(e) => {
            const z = e.currentTarget.value;
            if (isValidZone(z)) {
              setZone(z);
              onChange({ start, end, tz: z });
            }
          }}
        >
          <option value="local">Browser ({localZone()})</option>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </select>
      </label>
      {error && <p class="error">{error}</p>}
    </div>
  );
}
