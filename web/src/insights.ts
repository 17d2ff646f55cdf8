// Logs Insights results: a table from GetQueryResults' rows, and the
// series of a time chart when the query groups by bin().

import { parseInsightsTime } from './time';

export interface ResultField {
  field?: string;
  value?: string;
}

export interface Table {
  columns: string[];
  rows: (string | undefined)[][];
}

/** Turns GetQueryResults' results into columns (in first-seen order, @ptr left out) and rows. */
export function toTable(results: ResultField[][]): Table {
  const columns: string[] = [];
  const index = new Map<string, number>();
  for (const row of results) {
    for (const f of row) {
      if (!f.field || f.field === '@ptr' || index.has(f.field)) continue;
      index.set(f.field, columns.length);
      columns.push(f.field);
    }
  }
  const rows = results.map((row) => {
    const r: (string | undefined)[] = new Array(columns.length).fill(undefined);
    for (const f of row) {
      const i = f.field === undefined ? undefined : index.get(f.field);
      if (i !== undefined) r[i] = f.value;
    }
    return r;
  });
  return { columns, rows };
}

export interface ChartData {
  /** Bucket start times in seconds (uPlot's x unit), ascending. */
  x: number[];
  series: { label: string; values: (number | null)[] }[];
}

/** Whether the query has a "stats … by bin(…)". */
export function hasBin(query: string): boolean {
  return /\bstats\b[\s\S]*\bby\b[\s\S]*\bbin\s*\(/i.test(stripComments(query));
}

function stripComments(q: string): string {
  return q.replace(/#[^\n]*/g, '');
}

const isNumber = (v: string | undefined) => v !== undefined && v.trim() !== '' && Number.isFinite(Number(v));

/**
 * The chart of a bin() query's table: the time column is the one named
 * bin(…) (or, failing that, the first whose every value is a time); every
 * numeric column is a series, split by the values of the remaining
 * non-numeric columns (stats count() by bin(5m), level → one series per
 * level). Null when the table has no time column or no numbers.
 */
export function toChart(t: Table): ChartData | null {
  if (t.rows.length === 0) return null;
  let tc = t.columns.findIndex((c) => /^bin\s*\(/i.test(c));
  if (tc < 0) tc = t.columns.findIndex((_, i) => t.rows.every((r) => r[i] !== undefined && parseInsightsTime(r[i]!) !== null));
  if (tc < 0) return null;
  const numeric = t.columns.map((_, i) => i !== tc && t.rows.some((r) => r[i] !== undefined) && t.rows.every((r) => r[i] === undefined || isNumber(r[i])));
  const valueCols = t.columns.map((_, i) => i).filter((i) => numeric[i]);
  const keyCols = t.columns.map((_, i) => i).filter((i) => i !== tc && !numeric[i]);
  if (valueCols.length === 0) return null;

  const times = new Set<number>();
  const series = new Map<string, Map<number, number>>();
  for (const r of t.rows) {
    const ts = parseInsightsTime(r[tc] ?? '');
    if (ts === null) continue;
    times.add(ts);
    const key = keyCols.map((i) => r[i] ?? '').join(' · ');
    for (const v of valueCols) {
      const label = [valueCols.length > 1 || !key ? t.columns[v] : '', key].filter(Boolean).join(' · ');
      let m = series.get(label);
      if (!m) series.set(label, (m = new Map()));
      if (r[v] !== undefined) m.set(ts, Number(r[v]));
    }
  }
  const x = [...times].sort((a, b) => a - b);
  const out: ChartData = { x: x.map((ms) => ms / 1000), series: [] };
  for (const [label, m] of series) {
    out.series.push({ label, values: x.map((ms) => m.get(ms) ?? null) });
  }
  // Bounded: the largest series by total, the rest left out.
  out.series.sort((a, b) => sum(b.values) - sum(a.values));
  out.series = out.series.slice(0, 12);
  return out;
}

function sum(v: (number | null)[]): number {
  return v.reduce<number>((s, x) => s + (x ?? 0), 0);
}

// ---- query history (this browser only) ----

export interface HistoryEntry {
  query: string;
  groups: string[];
  at: number;
}

const HISTORY_MAX = 50;

/** Adds a run to the history: newest first, no duplicate query. */
export function addToHistory(h: HistoryEntry[], e: HistoryEntry): HistoryEntry[] {
  const rest = h.filter((x) => x.query.trim() !== e.query.trim());
  return [e, ...rest].slice(0, HISTORY_MAX);
}

export function loadHistory(storage: Pick<Storage, 'getItem'>, key: string): HistoryEntry[] {
  try {
    const v = JSON.parse(storage.getItem(key) ?? '[]');
    return Array.isArray(v) ? v.filter((x) => x && typeof x.query === 'string').slice(0, HISTORY_MAX) : [];
  } catch {
    return [];
  }
}

/** Where the compile error of a MalformedQueryException points, if it says. */
export function compileErrorRange(err: unknown): { start: number; end: number } | null {
  const e = err as { body?: { queryCompileError?: { location?: { startCharOffset?: number; endCharOffset?: number } } } };
  const loc = e?.body?.queryCompileError?.location;
  if (!loc || typeof loc.startCharOffset !== 'number') return null;
  return { start: loc.startCharOffset, end: typeof loc.endCharOffset === 'number' ? loc.endCharOffset : loc.startCharOffset + 1 };
}
