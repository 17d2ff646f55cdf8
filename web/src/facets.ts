// Field facets of the events on screen, and turning a facet value into a
// filter pattern.

import { parseJsonMessage, walkFields } from './json';

export interface FacetValue {
  value: string | number | boolean | null;
  count: number;
}

export interface Facet {
  /** JSON path as written by walkFields ("$.http.status"). */
  path: string;
  /** Events that have the field. */
  count: number;
  /** Most frequent values first. */
  top: FacetValue[];
  distinct: number;
}

/**
 * Counts the values of every scalar JSON field in the messages (at most
 * maxEvents of them), and returns the fields present in the most events,
 * each with its most frequent values.
 */
export function computeFacets(messages: Iterable<string>, opts: { maxEvents?: number; maxFields?: number; maxValues?: number } = {}): Facet[] {
  const maxEvents = opts.maxEvents ?? 5000;
  const maxFields = opts.maxFields ?? 12;
  const maxValues = opts.maxValues ?? 5;
  const fields = new Map<string, { count: number; values: Map<string, FacetValue> }>();
  let n = 0;
  for (const msg of messages) {
    if (n++ >= maxEvents) break;
    const v = parseJsonMessage(msg);
    if (v === undefined) continue;
    walkFields(v, (path, value) => {
      let f = fields.get(path);
      if (!f) {
        if (fields.size >= 500) return; // bound the work on very wide events
        f = { count: 0, values: new Map() };
        fields.set(path, f);
      }
      f.count++;
      const key = typeof value + ':' + String(value);
      const fv = f.values.get(key);
      if (fv) fv.count++;
      else if (f.values.size < 1000) f.values.set(key, { value, count: 1 });
    });
  }
  const out: Facet[] = [];
  for (const [path, f] of fields) {
    const top = [...f.values.values()].sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value))).slice(0, maxValues);
    out.push({ path, count: f.count, top, distinct: f.values.size });
  }
  // Fields in more events first; among equals, fewer distinct values (more
  // useful to filter on), then by name.
  out.sort((a, b) => b.count - a.count || a.distinct - b.distinct || a.path.localeCompare(b.path));
  return out.slice(0, maxFields);
}

/** The path as a filter-pattern selector, or null if it cannot be written. */
export function selectorOf(path: string): string | null {
  // walkFields paths are $ followed by .key and [i] steps.
  const steps = path.slice(1).match(/\.[^.[]*|\[\d+\]/g);
  if (!path.startsWith('$') || (steps ?? []).join('') !== path.slice(1)) return null;
  let out = '$';
  for (const st of steps ?? []) {
    if (st.startsWith('[')) out += st;
    else {
      const key = st.slice(1);
      if (/^[A-Za-z0-9_-]+$/.test(key)) out += '.' + key;
      else if (key !== '' && !key.includes("'") && !key.includes(']')) out += `.['${key}']`;
      else return null;
    }
  }
  return out;
}

/** The condition "selector = value" in filter-pattern syntax, or null. */
export function conditionOf(path: string, value: string | number | boolean | null): string | null {
  const sel = selectorOf(path);
  if (sel === null) return null;
  if (value === null) return `${sel} IS NULL`;
  if (value === true) return `${sel} IS TRUE`;
  if (value === false) return `${sel} IS FALSE`;
  if (typeof value === 'number') return Number.isFinite(value) ? `${sel} = ${value}` : null;
  if (value.includes('*')) return null; // * is a wildcard in a quoted value
  return `${sel} = "${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Adds a condition to a filter pattern. A JSON pattern { … } gets
 * "&& condition"; an empty pattern becomes { condition }. Any other kind of
 * pattern cannot be combined with a JSON condition: replaced is then true
 * and the result is the condition alone.
 */
export function addCondition(pattern: string, cond: string): { pattern: string; replaced: boolean } {
  const p = pattern.trim();
  if (p === '') return { pattern: `{ ${cond} }`, replaced: false };
  if (p.startsWith('{') && p.endsWith('}')) {
    const inner = p.slice(1, -1).trim();
    if (inner === '') return { pattern: `{ ${cond} }`, replaced: false };
    const wrapped = /\|\|/.test(inner) ? `(${inner})` : inner;
    return { pattern: `{ ${wrapped} && ${cond} }`, replaced: false };
  }
  return { pattern: `{ ${cond} }`, replaced: true };
}
