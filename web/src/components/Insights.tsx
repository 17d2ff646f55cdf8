import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, op, type QueryDefinition } from '../api';
import { formatCount } from '../format';
import { addToHistory, compileErrorRange, type HistoryEntry, loadHistory, type ResultField, hasBin, toChart, toTable } from '../insights';
import { update } from '../router';
import type { AppState } from '../state';
import { formatTime, parseInsightsTime, resolveRange } from '../time';
import { Chart } from './Chart';
import { GroupPicker } from './GroupPicker';
import { TimeRangePicker } from './TimeRangePicker';

const HISTORY_KEY = 'logpond.insights.history';
const SHOW_ROWS = 1000;
const example = 'fields @timestamp, @message\n| sort @timestamp desc\n| limit 100';

interface Results {
  status: string;
  results: ResultField[][];
  statistics?: { recordsMatched?: number; recordsScanned?: number; bytesScanned?: number };
}

/**
 * Logs Insights: write a query, run it over groups and a time range, see a
 * table and, for stats … by bin(), a chart. History is kept in this
 * browser; saved queries are the server's query definitions.
 */
export function Insights({ state }: { state: AppState }) {
  const [text, setText] = useState(state.query || example);
  const [res, setRes] = useState<Results | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [running, setRunning] = useState(false);
  const [history, setHistory] = useState<HistoryEntry[]>(() => loadHistory(localStorage, HISTORY_KEY));
  const [saved, setSaved] = useState<QueryDefinition[] | null>(null);
  const [savedError, setSavedError] = useState('');
  const [current, setCurrent] = useState<QueryDefinition | null>(null);
  const [name, setName] = useState('');
  const queryId = useRef('');
  const editor = useRef<HTMLTextAreaElement>(null);
  const autoRan = useRef(false);

  const loadSaved = () =>
    op<{ queryDefinitions: QueryDefinition[] }>('DescribeQueryDefinitions', { maxResults: 1000 })
      .then((r) => {
        setSaved(r.queryDefinitions ?? []);
        setSavedError('');
      })
      .catch((e: ApiError) => setSavedError(e.type === 'UnknownOperationException' ? 'Saved queries are not available on this server yet.' : e.message));

  useEffect(() => {
    loadSaved();
  }, []);

  const stop = async () => {
    const id = queryId.current;
    queryId.current = '';
    setRunning(false);
    if (id) await op('StopQuery', { queryId: id }).catch(() => {});
  };

  const run = async (query = text) => {
    if (state.groups.length === 0) {
      setError(new ApiError(0, 'NoGroups', 'Choose at least one log group.'));
      return;
    }
    await stop();
    setError(null);
    setRes(null);
    setRunning(true);
    const { start, end } = resolveRange(state, Date.now());
    const h = addToHistory(history, { query, groups: state.groups, at: Date.now() });
    setHistory(h);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(h));
    update({ query, run: true }, true);
    try {
      const r = await op<{ queryId: string }>('StartQuery', { logGroupNames: state.groups, startTime: Math.floor(start / 1000), endTime: Math.ceil(end / 1000), queryString: query });
      queryId.current = r.queryId;
      for (;;) {
        if (queryId.current !== r.queryId) return; // stopped or replaced
        const out = await op<Results>('GetQueryResults', { queryId: r.queryId });
        if (queryId.current !== r.queryId) return;
        setRes(out);
        if (!['Scheduled', 'Running', 'Unknown'].includes(out.status)) break;
        await new Promise((f) => setTimeout(f, 400));
      }
    } catch (e) {
      const err = e as ApiError;
      setError(err);
      const range = compileErrorRange(err);
      if (range && editor.current) {
        editor.current.focus();
        editor.current.setSelectionRange(range.start, range.end);
      }
    } finally {
      queryId.current = '';
      setRunning(false);
    }
  };

  // A shared link with run=1 runs its query when opened.
  useEffect(() => {
    if (state.run && state.query && state.groups.length && !autoRan.current) {
      autoRan.current = true;
      run(state.query);
    }
  }, []);

  const save = async () => {
    const n = name.trim() || current?.name;
    if (!n) return;
    try {
      const input: Record<string, unknown> = { name: n, queryString: text, logGroupNames: state.groups };
      if (current && current.name === n) input.queryDefinitionId = current.queryDefinitionId;
      const r = await op<{ queryDefinitionId: string }>('PutQueryDefinition', input);
      setCurrent({ queryDefinitionId: r.queryDefinitionId, name: n, queryString: text, logGroupNames: state.groups });
      setName('');
      loadSaved();
    } catch (e) {
      setSavedError((e as ApiError).message);
    }
  };

  const remove = async (d: QueryDefinition) => {
    await op('DeleteQueryDefinition', { queryDefinitionId: d.queryDefinitionId }).catch((e: ApiError) => setSavedError(e.message));
    if (current?.queryDefinitionId === d.queryDefinitionId) setCurrent(null);
    loadSaved();
  };

  const table = useMemo(() => (res ? toTable(res.results ?? []) : null), [res]);
  // Time columns (@timestamp, bin(…)) come in UTC; show them in the chosen zone.
  const timeCols = useMemo(() => new Set(table ? table.columns.map((c, i) => (c === '@timestamp' || /^bin\s*\(/i.test(c) ? i : -1)).filter((i) => i >= 0) : []), [table]);
  const cell = (v: string | undefined, j: number) => {
    if (v === undefined || !timeCols.has(j)) return v ?? '';
    const t = parseInsightsTime(v);
    return t === null ? v : formatTime(t, state.tz);
  };
  const chart = useMemo(() => (table && hasBin(state.query || text) ? toChart(table) : null), [table]);
  const unavailable = error?.type === 'UnknownOperationException';

  return (
    <section class="page insights">
      <div class="toolbar wrap">
        <GroupPicker groups={state.groups} onChange={(groups) => update({ groups, run: false }, true)} max={50} />
        <TimeRangePicker start={state.start} end={state.end} tz={state.tz} onChange={(r) => update(r)} />
      </div>
      <div class="insights-grid">
        <div class="editor-col">
          <textarea
            ref={editor}
            class="editor"
            data-testid="query"
            aria-label="Logs Insights query"
            spellcheck={false}
            value={text}
            rows={6}
            onInput={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                run();
              }
            }}
          />
          <div class="toolbar">
            {running ? (
              <button class="btn" onClick={stop}>
                Stop
              </button>
            ) : (
              <button class="btn primary" onClick={() => run()} data-testid="run-query" title="Run (Ctrl+Enter)">
                Run query
              </button>
            )}
            <select
              aria-label="History"
              data-testid="history"
              value=""
              onChange={(e) => {
                const h = history[Number(e.currentTarget.value)];
                if (h) {
                  setText(h.query);
                  if (h.groups.length) update({ groups: h.groups, run: false }, true);
                }
              }}
            >
              <option value="">History ({history.length})</option>
              {history.map((h, i) => (
                <option key={i} value={i}>
                  {h.query.replace(/\s+/g, ' ').slice(0, 80)}
                </option>
              ))}
            </select>
            <input class="name" placeholder={current ? current.name : 'Name to save as'} aria-label="Query name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
            <button class="btn" onClick={save} disabled={!name.trim() && !current} data-testid="save-query">
              {current && (!name.trim() || name.trim() === current.name) ? 'Save' : 'Save as'}
            </button>
            <span class="muted">
              {res && `${res.status} · ${formatCount(res.statistics?.recordsMatched ?? 0)} matched of ${formatCount(res.statistics?.recordsScanned ?? 0)} scanned`}
              {running && ' · running…'}
            </span>
          </div>
          {unavailable && <p class="note">Logs Insights is not available on this server yet ({error!.message}).</p>}
          {error && !unavailable && (
            <p class="error" role="alert" data-testid="query-error">
              {error.message}
            </p>
          )}
        </div>
        <aside class="saved" aria-label="Saved queries">
          <div class="facets-head">Saved queries</div>
          {savedError && <p class="muted pad">{savedError}</p>}
          {saved?.length === 0 && <p class="muted pad">None yet.</p>}
          {saved?.map((d) => (
            <div class={current?.queryDefinitionId === d.queryDefinitionId ? 'saved-item active' : 'saved-item'} key={d.queryDefinitionId}>
              <button
                class="link"
                title={d.queryString}
                onClick={() => {
                  setCurrent(d);
                  setText(d.queryString);
                  if (d.logGroupNames?.length) update({ groups: d.logGroupNames, run: false }, true);
                }}
              >
                {d.name}
              </button>
              <button class="chip-x" aria-label={`Delete ${d.name}`} onClick={() => remove(d)}>
                ×
              </button>
            </div>
          ))}
        </aside>
      </div>
      {chart && <Chart data={chart} tz={state.tz} />}
      {table && (
        <div class="table-wrap results-table">
          <table class="table" data-testid="insights-table">
            <thead>
              <tr>
                {table.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.slice(0, SHOW_ROWS).map((r, i) => (
                <tr key={i}>
                  {r.map((v, j) => (
                    <td key={j} class="cell">
                      {cell(v, j)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {table.rows.length === 0 && <p class="empty">No results.</p>}
          {table.rows.length > SHOW_ROWS && <p class="muted pad">Showing {SHOW_ROWS} of {formatCount(table.rows.length)} rows.</p>}
        </div>
      )}
    </section>
  );
}
