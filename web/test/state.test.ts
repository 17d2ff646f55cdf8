import { describe, expect, it } from 'vitest';
import { defaults, formatState, parseState, viewOf } from '../src/state';

describe('URL state', () => {
  it('round-trips every view', () => {
    const states = [
      { ...defaults },
      { ...defaults, filter: 'prod' },
      { ...defaults, view: 'streams' as const, groups: ['/aws/lambda/f'], filter: '2024/' },
      { ...defaults, view: 'events' as const, groups: ['a', 'b & c'], streams: [], pattern: '{ $.level = "error" }', start: '1700000000000', end: '1700000360000', tz: 'Europe/Berlin', order: 'asc' as const, event: '1'.repeat(56), context: true },
      { ...defaults, view: 'tail' as const, groups: ['a'], pattern: 'ERROR' },
      { ...defaults, view: 'insights' as const, groups: ['a'], query: 'stats count() by bin(5m)', run: true, start: '-3h' },
    ];
    for (const s of states) {
      const url = new URL(formatState(s), 'http://x');
      expect(parseState(url.pathname, url.search)).toEqual(s);
    }
  });
  it('leaves defaults out of the URL', () => {
    expect(formatState(defaults)).toBe('/ui/');
    expect(formatState({ ...defaults, view: 'events', groups: ['g'] })).toBe('/ui/events?g=g');
  });
  it('reads unknown paths as the groups view', () => {
    expect(parseState('/ui/nothing', '').view).toBe('groups');
    expect(parseState('/ui/events/', '?g=x').view).toBe('events');
    expect(parseState('/ui/events', '?order=sideways').order).toBe('desc');
  });
  it('keeps groups, range and zone across views', () => {
    const s = { ...defaults, view: 'events' as const, groups: ['g'], start: '-15m', tz: 'UTC', pattern: 'x', event: 'e' };
    const t = viewOf(s, 'insights');
    expect(t).toMatchObject({ view: 'insights', groups: ['g'], start: '-15m', tz: 'UTC', pattern: '', event: '' });
    expect(viewOf(s, 'tail').pattern).toBe('x');
  });
});
