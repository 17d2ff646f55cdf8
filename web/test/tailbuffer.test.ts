import { describe, expect, it } from 'vitest';
import type { LogEvent } from '../src/merge';
import { TailBuffer } from '../src/tailbuffer';
import { caretColumn, patternPosition } from '../src/api';

const ev = (id: number): LogEvent => ({ logGroupName: 'g', logStreamName: 's', timestamp: id, message: String(id), eventId: String(id) });

describe('TailBuffer', () => {
  it('drops duplicates and keeps at most cap events, newest last', () => {
    const b = new TailBuffer(3);
    b.add([ev(1), ev(2)]);
    b.add([ev(2), ev(3), ev(4)], 5);
    expect(b.visible().map((e) => e.eventId)).toEqual(['2', '3', '4']);
    expect(b.received).toBe(4);
    expect(b.dropped).toBe(6); // 5 left out by the server, 1 pushed out
    b.add([ev(1)]); // pushed out before: not a duplicate any more
    expect(b.visible().map((e) => e.eventId)).toEqual(['3', '4', '1']);
  });
  it('counts what arrived since it was last shown', () => {
    const b = new TailBuffer(10);
    b.add([ev(1)]);
    b.visible();
    b.add([ev(2), ev(3)]);
    expect(b.pending).toBe(2);
    b.setCap(1);
    expect(b.visible().map((e) => e.eventId)).toEqual(['3']);
    expect(b.pending).toBe(0);
  });
});

describe('pattern errors', () => {
  it('finds the character a FilterLogEvents error points at', () => {
    expect(patternPosition('Invalid filter pattern: Unexpected end (at character 12)')).toBe(12);
    expect(patternPosition('other')).toBeUndefined();
    expect(caretColumn('abc', 2)).toBe(1);
    expect(caretColumn('😀 x', 3)).toBe(3); // code points, not UTF-16 units
    expect(caretColumn('', 5)).toBe(0);
  });
});
