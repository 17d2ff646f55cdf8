import { describe, expect, it } from 'vitest';
import { addToHistory, compileErrorRange, hasBin, loadHistory, toChart, toTable } from '../src/insights';

const row = (o: Record<string, string>) => Object.entries(o).map(([field, value]) => ({ field, value }));

describe('Insights results', () => {
  it('makes a table, leaving out @ptr', () => {
    const t = toTable([row({ '@timestamp': 't1', '@message': 'm1', '@ptr': 'p' }), row({ '@message': 'm2', extra: 'x' })]);
    expect(t.columns).toEqual(['@timestamp', '@message', 'extra']);
    expect(t.rows).toEqual([
      ['t1', 'm1', undefined],
      [undefined, 'm2', 'x'],
    ]);
  });
  it('recognises bin() queries', () => {
    expect(hasBin('stats count(*) by bin(5m)')).toBe(true);
    expect(hasBin('filter x\n| stats avg(d) as a by level, bin(1h)')).toBe(true);
    expect(hasBin('fields @message # stats count() by bin(1m)')).toBe(false);
    expect(hasBin('fields bin(5m)')).toBe(false);
  });
  it('charts one series per value column', () => {
    const t = toTable([row({ 'bin(5m)': '2024-01-01 00:05:00.000', 'count()': '3' }), row({ 'bin(5m)': '2024-01-01 00:00:00.000', 'count()': '7' })]);
    expect(toChart(t)).toEqual({ x: [Date.UTC(2024, 0, 1) / 1000, Date.UTC(2024, 0, 1, 0, 5) / 1000], series: [{ label: 'count()', values: [7, 3] }] });
  });
  it('splits series by the other group-by columns', () => {
    const t = toTable([
      row({ 'bin(1m)': '2024-01-01 00:00:00.000', level: 'error', c: '1' }),
      row({ 'bin(1m)': '2024-01-01 00:00:00.000', level: 'info', c: '5' }),
      row({ 'bin(1m)': '2024-01-01 00:01:00.000', level: 'info', c: '6' }),
    ]);
    const c = toChart(t)!;
    expect(c.x).toHaveLength(2);
    expect(c.series).toEqual([
      { label: 'info', values: [5, 6] },
      { label: 'error', values: [1, null] },
    ]);
  });
  it('charts nothing without time or numbers', () => {
    expect(toChart(toTable([row({ a: 'x', b: '1' })]))).toBeNull();
    expect(toChart(toTable([row({ 'bin(1m)': '2024-01-01 00:00:00.000', a: 'x' })]))).toBeNull();
    expect(toChart({ columns: [], rows: [] })).toBeNull();
  });
  it('keeps a history without duplicates, newest first', () => {
    let h = addToHistory([], { query: 'a', groups: [], at: 1 });
    h = addToHistory(h, { query: 'b', groups: [], at: 2 });
    h = addToHistory(h, { query: ' a ', groups: ['g'], at: 3 });
    expect(h.map((x) => x.query)).toEqual([' a ', 'b']);
    for (let i = 0; i < 60; i++) h = addToHistory(h, { query: String(i), groups: [], at: i });
    expect(h).toHaveLength(50);
    expect(loadHistory({ getItem: () => 'not json' }, 'k')).toEqual([]);
    expect(loadHistory({ getItem: () => JSON.stringify([{ query: 'q', groups: [], at: 1 }, 5]) }, 'k')).toHaveLength(1);
  });
  it('finds where a malformed query is wrong', () => {
    expect(compileErrorRange({ body: { queryCompileError: { location: { startCharOffset: 4, endCharOffset: 9 } } } })).toEqual({ start: 4, end: 9 });
    expect(compileErrorRange(new Error('x'))).toBeNull();
  });
});
