import { describe, expect, it } from 'vitest';
import { type LogEvent, MergedReader, type Page } from '../src/merge';
import { EventWindow, eventIdTime } from '../src/window';

const ev = (group: string, ts: number, seq: number): LogEvent => ({
  logGroupName: group,
  logStreamName: 's',
  timestamp: ts,
  message: `${group}@${ts}`,
  eventId: String(BigInt(ts) ^ (1n << 63n)).padStart(20, '0') + String(seq).padStart(20, '0') + '0'.repeat(16),
});

/** A fake FilterLogEvents over fixed events per group: pages of size, tokens are offsets. */
function fakeGroups(data: Record<string, LogEvent[]>, size: number, emptyEvery = 0) {
  const calls: string[] = [];
  const pages = (forward: boolean, start = -Infinity, end = Infinity) => async (g: string, tok?: string): Promise<Page> => {
    calls.push(`${g}:${tok ?? ''}`);
    let evs = data[g].filter((e) => e.timestamp >= start && e.timestamp <= end);
    if (!forward) evs = [...evs].reverse();
    const from = tok ? Number(tok) : 0;
    if (emptyEvery && from % emptyEvery === 0 && tok && !tok.endsWith('.5')) return { events: [], nextToken: `${from}.5` };
    const at = Math.floor(from);
    const page = evs.slice(at, at + size);
    return { events: page, nextToken: at + size < evs.length ? String(at + size) : undefined };
  };
  return { calls, pages };
}

describe('MergedReader', () => {
  const data = {
    a: [ev('a', 1, 1), ev('a', 3, 3), ev('a', 5, 6), ev('a', 5, 7), ev('a', 9, 9)],
    b: [ev('b', 2, 2), ev('b', 5, 5), ev('b', 6, 8), ev('b', 10, 10)],
    c: [],
  };
  it('merges groups in time order, forward and backward', async () => {
    const f = fakeGroups(data, 2);
    const fw = new MergedReader(['a', 'b', 'c'], f.pages(true), true);
    const got: string[] = [];
    for (let p = await fw.next(3); p.length; p = await fw.next(3)) got.push(...p.map((e) => e.message));
    expect(got).toEqual(['a@1', 'b@2', 'a@3', 'b@5', 'a@5', 'a@5', 'b@6', 'a@9', 'b@10']);
    expect(fw.done).toBe(true);

    const bw = new MergedReader(['a', 'b', 'c'], fakeGroups(data, 3).pages(false), false);
    const back = (await bw.next(100)).map((e) => e.message);
    expect(back).toEqual([...got].reverse());
  });
  it('keeps reading past empty pages', async () => {
    const f = fakeGroups(data, 1, 2);
    const r = new MergedReader(['a', 'b'], f.pages(true), true);
    expect((await r.next(100)).length).toBe(9);
  });
});

describe('EventWindow', () => {
  const B = 1_750_000_000_000; // backward reads start no earlier than 2024
  const data = { g: Array.from({ length: 50 }, (_, i) => ev('g', B + 100 + i, i + 1)), h: Array.from({ length: 10 }, (_, i) => ev('h', B + 100 + 5 * i, 100 + i)) };
  const fetch = (g: string, forward: boolean, s: number, e: number, tok?: string) => fakeGroups(data, 7).pages(forward, s, e)(g, tok);

  it('shows newest first and grows downward into older events', async () => {
    const w = new EventWindow({ groups: ['g', 'h'], start: 0, end: 10_000_000_000_000, order: 'desc' }, (g, f, s, e, t) => fetch(g, f, Math.max(s, 0), e, t), () => {}, 20);
    expect(w.done('newer')).toBe(true);
    await w.load('older');
    expect(w.rows).toHaveLength(20);
    expect(w.rows[0].timestamp).toBe(B + 149);
    for (let i = 1; i < w.rows.length; i++) expect(w.rows[i].timestamp).toBeLessThanOrEqual(w.rows[i - 1].timestamp);
    while (!w.done('older')) await w.load('older');
    expect(w.rows).toHaveLength(60);
  });

  it('grows both ways from a linked event', async () => {
    const rows = () => w.rows.map((e) => e.timestamp - B);
    const w = new EventWindow({ groups: ['g'], start: 0, end: 10_000_000_000_000, order: 'asc', anchor: B + 120 }, (g, f, s, e, t) => fetch(g, f, Math.max(s, 0), e, t), () => {}, 5);
    await w.load('newer');
    expect(rows()).toEqual([120, 121, 122, 123, 124]);
    await w.load('older');
    expect(rows()).toEqual([115, 116, 117, 118, 119, 120, 121, 122, 123, 124]);
  });

  it('reads the time in an eventId', () => {
    expect(eventIdTime(ev('g', 1_700_000_000_123, 5).eventId)).toBe(1_700_000_000_123);
    expect(eventIdTime('123')).toBeNull();
  });

  it('extends a range that ends now', async () => {
    const w = new EventWindow({ groups: ['g'], start: 0, end: B + 120, order: 'desc' }, (g, f, s, e, t) => fetch(g, f, Math.max(s, 0), e, t), () => {}, 100);
    await w.load('older');
    expect(w.rows[0].timestamp).toBe(B + 120);
    w.extendNewer(B + 130);
    await w.load('newer');
    expect(w.rows.slice(0, 11).map((e) => e.timestamp - B)).toEqual([130, 129, 128, 127, 126, 125, 124, 123, 122, 121, 120]);
  });
});
