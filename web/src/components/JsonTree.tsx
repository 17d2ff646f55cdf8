import { useState } from 'preact/hooks';
import type { Json } from '../json';

/** A collapsible view of a JSON value; keys and values are text nodes. */
export function JsonTree({ value, onFilter }: { value: Json; onFilter?: (path: string, v: string | number | boolean | null) => void }) {
  return (
    <div class="json" data-testid="json-tree">
      <Node value={value} path="$" depth={0} onFilter={onFilter} />
    </div>
  );
}

function Node({ name, value, path, depth, onFilter, last = true }: { name?: string; value: Json; path: string; depth: number; onFilter?: (path: string, v: string | number | boolean | null) => void; last?: boolean }) {
  const [open, setOpen] = useState(depth < 3);
  const comma = last ? '' : ',';
  const key = name !== undefined && (
    <>
      <span class="j-key">{JSON.stringify(name)}</span>:{' '}
    </>
  );
  if (value === null || typeof value !== 'object') {
    const cls = value === null ? 'j-null' : typeof value === 'string' ? 'j-str' : typeof value === 'number' ? 'j-num' : 'j-bool';
    return (
      <div class="j-line">
        {key}
        <span class={cls}>{typeof value === 'string' ? JSON.stringify(value) : String(value)}</span>
        {comma}
        {onFilter && (
          <button class="j-filter" title="Add to the filter pattern" aria-label={`Filter on ${path}`} onClick={() => onFilter(path, value)}>
            +
          </button>
        )}
      </div>
    );
  }
  const isArr = Array.isArray(value);
  const entries: [string | undefined, Json][] = isArr ? (value as Json[]).map((v) => [undefined, v]) : Object.entries(value as Record<string, Json>);
  const [o, c] = isArr ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0)
    return (
      <div class="j-line">
        {key}
        {o}
        {c}
        {comma}
      </div>
    );
  return (
    <div class="j-node">
      <div class="j-line">
        <button class="j-toggle" aria-expanded={open} onClick={() => setOpen(!open)} aria-label={open ? 'Collapse' : 'Expand'}>
          {open ? '▾' : '▸'}
        </button>
        {key}
        {o}
        {!open && (
          <span class="j-summary">
            {' '}
            {entries.length} {isArr ? 'items' : 'keys'} {c}
            {comma}
          </span>
        )}
      </div>
      {open && (
        <div class="j-children">
          {entries.map(([k, v], i) => (
            <Node key={i} name={k} value={v} path={isArr ? `${path}[${i}]` : `${path}.${k}`} depth={depth + 1} onFilter={onFilter} last={i === entries.length - 1} />
          ))}
        </div>
      )}
      {open && (
        <div class="j-line">
          {c}
          {comma}
        </div>
      )}
    </div>
  );
}
