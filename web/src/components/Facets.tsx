import type { Facet } from '../facets';
import { conditionOf } from '../facets';
import { formatCount } from '../format';

/** Top values of the JSON fields of the events loaded; a click filters on one. */
export function Facets({ facets, events, onFilter, onClose }: { facets: Facet[]; events: number; onFilter: (path: string, v: string | number | boolean | null) => void; onClose: () => void }) {
  return (
    <aside class="facets" data-testid="facets" aria-label="Fields">
      <div class="facets-head">
        Fields <span class="muted">of {formatCount(events)} loaded events</span>
        <button class="chip-x" aria-label="Close fields" onClick={onClose}>
          ×
        </button>
      </div>
      {facets.length === 0 && <p class="muted pad">No JSON fields in the loaded events.</p>}
      {facets.map((f) => (
        <div class="facet" key={f.path}>
          <div class="facet-name" title={`${f.count} events have ${f.path}`}>
            {f.path.slice(2)} <span class="muted">{formatCount(f.count)}</span>
          </div>
          {f.top.map((v) => {
            const can = conditionOf(f.path, v.value) !== null;
            return (
              <button key={String(v.value)} class="facet-value" disabled={!can} onClick={() => onFilter(f.path, v.value)} title={can ? 'Add to the filter pattern' : 'Cannot be written as a filter pattern'}>
                <span class="facet-text">{v.value === null ? 'null' : String(v.value)}</span>
                <span class="facet-count">{formatCount(v.count)}</span>
              </button>
            );
          })}
        </div>
      ))}
    </aside>
  );
}
