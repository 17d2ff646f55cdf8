import { describe, expect, it } from 'vitest';
import { axisLabels, durationLabel, formatTime, fromInputValue, fromWallClock, offsetLabel, parseInsightsTime, parseRelative, rangeLabel, resolveEnd, resolveRange, toInputValue, zoneOffset } from '../src/time';

describe('relative times', () => {
  it('parses offsets', () => {
    expect(parseRelative('now')).toBe(0);
    expect(parseRelative('-15m')).toBe(-900_000);
    expect(parseRelative('2h')).toBe(-7_200_000);
    expect(parseRelative('-1.5d')).toBe(-129_600_000);
    expect(parseRelative('1w')).toBe(-604_800_000);
    expect(parseRelative('yesterday')).toBeNull();
    expect(parseRelative('-5x')).toBeNull();
  });
  it('resolves ends, absolute or relative', () => {
    expect(resolveEnd('1700000000000', 5)).toBe(1700000000000);
    expect(resolveEnd('-1m', 120_000)).toBe(60_000);
    expect(resolveEnd('bogus', 0)).toBeNull();
  });
  it('falls back to the last hour for a bad range', () => {
    expect(resolveRange({ start: 'x', end: 'now' }, 10_000_000)).toEqual({ start: 10_000_000 - 3_600_000, end: 10_000_000 });
    expect(resolveRange({ start: '2000000000000', end: '1000000000000' }, 10_000_000).start).toBe(10_000_000 - 3_600_000);
  });
  it('labels ranges', () => {
    expect(rangeLabel({ start: '-15m', end: 'now' }, 'UTC')).toBe('Last 15 minutes');
    expect(rangeLabel({ start: '-1h', end: 'now' }, 'UTC')).toBe('Last hour');
    expect(rangeLabel({ start: '-7d', end: 'now' }, 'UTC')).toBe('Last week');
    expect(rangeLabel({ start: '1700000000000', end: '1700000060000' }, 'UTC')).toBe('2023-11-14 22:13:20 → 2023-11-14 22:14:20');
    expect(durationLabel(5_400_000)).toBe('90m');
  });
});

describe('time zones', () => {
  const t = Date.UTC(2024, 6, 1, 12, 0, 0, 5); // summer
  it('formats in a zone', () => {
    expect(formatTime(t, 'UTC')).toBe('2024-07-01 12:00:00.005');
    expect(formatTime(t, 'Europe/Berlin')).toBe('2024-07-01 14:00:00.005');
    expect(formatTime(t, 'America/New_York', false)).toBe('2024-07-01 08:00:00');
    expect(formatTime(t, 'Asia/Kolkata')).toBe('2024-07-01 17:30:00.005');
  });
  it('knows offsets', () => {
    expect(zoneOffset(t, 'Europe/Berlin')).toBe(120);
    expect(zoneOffset(Date.UTC(2024, 0, 1), 'Europe/Berlin')).toBe(60);
    expect(offsetLabel(330)).toBe('UTC+05:30');
    expect(offsetLabel(-240)).toBe('UTC-04:00');
  });
  it('turns wall-clock times back into instants', () => {
    for (const zone of ['UTC', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      const v = toInputValue(t - 5, zone);
      expect(fromInputValue(v, zone), zone).toBe(t - 5);
    }
    expect(fromInputValue('2024-07-01 14:00', 'Europe/Berlin')).toBe(Date.UTC(2024, 6, 1, 12));
    expect(fromInputValue('not a date', 'UTC')).toBeNull();
    expect(fromInputValue('2024-13-01T00:00', 'UTC')).toBeNull();
  });
  it('handles daylight saving transitions', () => {
    // 2024-03-31 02:30 does not exist in Berlin: it moves on to 03:30 CEST.
    expect(fromWallClock({ year: 2024, month: 3, day: 31, hour: 2, minute: 30, second: 0, ms: 0 }, 'Europe/Berlin')).toBe(Date.UTC(2024, 2, 31, 1, 30));
    // 2024-10-27 02:30 happens twice: the first one.
    expect(fromWallClock({ year: 2024, month: 10, day: 27, hour: 2, minute: 30, second: 0, ms: 0 }, 'Europe/Berlin')).toBe(Date.UTC(2024, 9, 27, 0, 30));
  });
  it('reads Insights timestamps as UTC', () => {
    expect(parseInsightsTime('2024-07-01 12:00:00.005')).toBe(t);
    expect(parseInsightsTime('2024-07-01 12:00:00')).toBe(t - 5);
    expect(parseInsightsTime('12:00')).toBeNull();
  });
});

describe('axis labels', () => {
  it('shows 24-hour times and the date where it changes', () => {
    const t0 = Date.UTC(2024, 6, 1, 23, 50);
    expect(axisLabels([t0, t0 + 600_000, t0 + 1_200_000], 600_000, 'UTC')).toEqual(['07-01 23:50', '07-02 00:00', '00:10']);
    expect(axisLabels([t0, t0 + 10_000], 10_000, 'UTC')).toEqual(['07-01 23:50:00', '23:50:10']);
    expect(axisLabels([t0, t0 + 86_400_000], 86_400_000, 'Asia/Tokyo')).toEqual(['07-02', '07-03']);
  });
});
