// JSON log events: recognising them and flattening their fields.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** The parsed message when it is a JSON object or array, else undefined. */
export function parseJsonMessage(msg: string): Json | undefined {
  const t = msg.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return undefined;
  try {
    const v = JSON.parse(t) as Json;
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Calls fn for each scalar field of v, with the path in filter-pattern
 * syntax ("$.a.b", "$.list[0]"), down to depth levels of nesting.
 */
export function walkFields(v: Json, fn: (path: string, value: string | number | boolean | null) => void, depth = 4, path = '$'): void {
  if (v === null || typeof v !== 'object') {
    fn(path, v);
    return;
  }
  if (depth === 0) return;
  if (Array.isArray(v)) {
    v.slice(0, 10).forEach((x, i) => walkFields(x, fn, depth - 1, `${path}[${i}]`));
    return;
  }
  for (const [k, x] of Object.entries(v)) {
    walkFields(x, fn, depth - 1, `${path}.${k}`);
  }
}
