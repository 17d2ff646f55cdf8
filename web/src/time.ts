// Time ranges, time zones and timestamp formatting.
//
// A range end is either relative ("now", "-15m", "-2h", "-7d") or absolute
// (milliseconds since the epoch, written as digits). Relative ends resolve
// against the current time when a query runs, so a shared link with a
// relative range shows the same *window*; "Share" freezes it to absolute.

export const UNITS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** A relative offset such as "-15m" in milliseconds, or null. */
export function parseRelative(s: string): number | null {
  if (s === 'now') return 0;
  const m = /^-?(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(s.trim());
  if (!m) return null;
  return -Math.round(Number(m[1]) * UNITS[m[2]]);
}

/** Resolves a range end to epoch milliseconds, or null when invalid. */
export function resolveEnd(s: string, now: number): number | null {
  if (/^\d{10,16}$/.test(s)) return Number(s);
  const rel = parseRelative(s);
  return rel === null ? null : now + rel;
}

export interface TimeRange {
  start: string;
  end: string;
}

/** Resolves a range; an invalid one falls back to the last hour. */
export function resolveRange(r: TimeRange, now: number): { start: number; end: number } {
  let start = resolveEnd(r.start, now);
  let end = resolveEnd(r.end, now);
  if (start === null || end === null || start > end) {
    start = now - UNITS.h;
    end = now;
  }
  return { start, end };
}

export function isRelative(r: TimeRange): boolean {
  return parseRelative(r.start) !== null && parseRelative(r.end) !== null;
}

/** "15m" for 900000, the largest whole unit. */
export function durationLabel(ms: number): string {
  const abs = Math.abs(ms);
  for (const u of ['w', 'd', 'h', 'm', 's']) {
    if (abs >= UNITS[u] && abs % UNITS[u] === 0) return `${abs / UNITS[u]}${u}`;
  }
  return `${abs}ms`;
}

const unitNames: Record<string, string> = { s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week' };

/** A human label for a range: "Last 15 minutes" or "from … to …". */
export function rangeLabel(r: TimeRange, tz: string): string {
  const a = parseRelative(r.start);
  if (a !== null && r.end === 'now') {
    const m = /^(\d+)([smhdw])$/.exec(durationLabel(-a));
    if (m) {
      const n = Number(m[1]);
      return `Last ${n === 1 ? '' : n + ' '}${unitNames[m[2]]}${n === 1 ? '' : 's'}`;
    }
  }
  const now = Date.now();
  const { start, end } = resolveRange(r, now);
  return `${formatTime(start, tz, false)} → ${formatTime(end, tz, false)}`;
}

// ---- time zones ----

/** The browser's zone, e.g. "Europe/Berlin". */
export function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The IANA zone a tz setting ("local", "UTC", a zone name) stands for. */
export function zoneOf(tz: string): string {
  return tz === 'local' || tz === '' ? localZone() : tz;
}

export function isValidZone(tz: string): boolean {
  if (tz === 'local') return true;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const partsCache = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let f = partsCache.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsCache.set(zone, f);
  }
  return f;
}

export interface WallClock {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

/** The wall-clock time in zone at epoch ms t. */
export function wallClock(t: number, zone: string): WallClock {
  if (zone === 'UTC') {
    const d = new Date(t);
    return {
      year: d.getUTCFullYear(),
      month: d.getUTCMonth() + 1,
      day: d.getUTCDate(),
      hour: d.getUTCHours(),
      minute: d.getUTCMinutes(),
      second: d.getUTCSeconds(),
      ms: d.getUTCMilliseconds(),
    };
  }
  const p: Record<string, number> = {};
  for (const part of partsFormatter(zone).formatToParts(new Date(t))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  return {
    year: p.year,
    month: p.month,
    day: p.day,
    hour: p.hour % 24,
    minute: p.minute,
    second: p.second,
    ms: ((t % 1000) + 1000) % 1000,
  };
}

/** The zone's offset from UTC at epoch ms t, in minutes (east positive). */
export function zoneOffset(t: number, zone: string): number {
  const w = wallClock(t, zone);
  const asUTC = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  return Math.round((asUTC - t) / 60_000);
}

/** "UTC+05:30" for an offset in minutes. */
export function offsetLabel(min: number): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/**
 * The epoch ms at which the wall clock in zone shows w. A time that does
 * not exist (spring forward) moves forward by the gap, and a time that
 * exists twice (fall back) is the earlier instant (Temporal's
 * "compatible" choice).
 */
export function fromWallClock(w: WallClock, zone: string): number {
  const naive = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
  // Two rounds find the offset in force at the result.
  let t = naive - zoneOffset(naive, zone) * 60_000;
  t = naive - zoneOffset(t, zone) * 60_000;
  const earlier = naive - zoneOffset(t - 3_600_000, zone) * 60_000;
  if (earlier < t && sameWall(wallClock(earlier, zone), w)) return earlier;
  return t;
}

function sameWall(a: WallClock, b: WallClock): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

const p2 = (n: number) => String(n).padStart(2, '0');
const p3 = (n: number) => String(n).padStart(3, '0');

/** "2024-05-01 13:04:05.123" in tz (with milliseconds unless ms=false). */
export function formatTime(t: number, tz: string, ms = true): string {
  const w = wallClock(t, zoneOf(tz));
  const s = `${w.year}-${p2(w.month)}-${p2(w.day)} ${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}`;
  return ms ? `${s}.${p3(w.ms)}` : s;
}

/** The value of an <input type="datetime-local" step="1"> for t in tz. */
export function toInputValue(t: number, tz: string): string {
  const w = wallClock(t, zoneOf(tz));
  return `${w.year}-${p2(w.month)}-${p2(w.day)}T${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}`;
}

/** Parses a datetime-local value (or "YYYY-MM-DD HH:MM[:SS]") in tz. */
export function fromInputValue(v: string, tz: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/.exec(v.trim());
  if (!m) return null;
  const w: WallClock = {
    year: +m[1],
    month: +m[2],
    day: +m[3],
    hour: +m[4],
    minute: +m[5],
    second: m[6] ? +m[6] : 0,
    ms: m[7] ? +m[7].padEnd(3, '0') : 0,
  };
  if (w.month < 1 || w.month > 12 || w.day < 1 || w.day > 31 || w.hour > 23 || w.minute > 59 || w.second > 59) return null;
  return fromWallClock(w, zoneOf(tz));
}

/** "UTC", or "Europe/Berlin (UTC+01:00)". */
export function zoneLabel(tz: string, at = Date.now()): string {
  const zone = zoneOf(tz);
  if (zone === 'UTC') return 'UTC';
  return `${zone} (${offsetLabel(zoneOffset(at, zone))})`;
}

/** Every zone the browser knows, UTC first. */
export function allZones(): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const zones = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((z) => z !== 'UTC')];
}

/** CloudWatch Insights' "2024-05-01 13:04:05.123" (UTC) to epoch ms. */
export function parseInsightsTime(s: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z?$/.exec(s);
  if (!m) return null;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +m[7].padEnd(3, '0') : 0);
}

/**
 * Tick labels for a time axis in tz: 24-hour times, with seconds when the
 * ticks are less than a minute apart, and the date where it changes (and
 * on the first tick). t are epoch ms, step the distance between ticks.
 */
export function axisLabels(t: number[], step: number, tz: string): string[] {
  const zone = zoneOf(tz);
  let lastDay = '';
  return t.map((x) => {
    const w = wallClock(x, zone);
    const day = `${p2(w.month)}-${p2(w.day)}`;
    const time = step < 60_000 ? `${p2(w.hour)}:${p2(w.minute)}:${p2(w.second)}` : `${p2(w.hour)}:${p2(w.minute)}`;
    const newDay = day !== lastDay;
    lastDay = day;
    if (step >= 86_400_000) return day;
    return newDay ? `${day} ${time}` : time;
  });
}
