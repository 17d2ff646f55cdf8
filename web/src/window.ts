// The events view's rows: a window into the matching events of a time
// range that grows at both ends as the user scrolls, page by page, with
// FilterLogEvents' tokens.
//
// The window starts at an anchor time: the range's end for newest-first,
// its start for oldest-first, or the time of a linked event. Older events
// are read backward from the anchor and newer ones forward from it, each
// side through a MergedReader over all the groups.

import { type LogEvent, MergedReader, type Page } from './merge';

/** FilterLogEvents' earliest startTime with startFromHead=false (2024-01-01). */
export const BACKWARD_MIN_START = 1704067200000;

export interface WindowQuery {
  groups: string[];
  start: number;
  end: number; // inclusive
  order: 'desc' | 'asc';
  /** Start here instead of at an end of the range (a linked event's time). */
  anchor?: number;
}

/** Fetches a page of events of group in [start, end], forward or backward. */
export type RangeFetch = (group: string, forward: boolean, start: number, end: number, token: string | undefined) => Promise<Page>;

type Side = 'older' | 'newer';

export class EventWindow {
  /** Events in display order: newest first for desc, oldest first for asc. */
  rows: LogEvent[] = [];
  loading: Record<Side, boolean> = { older: false, newer: false };
  error: unknown = null;
  /** The newest time the window covers (grows with extendNewer). */
  end: number;
  private readers: Record<Side, MergedReader | null>;
  private closed = false;

  constructor(
    private q: WindowQuery,
    private fetch: RangeFetch,
    private onChange: () => void,
    private pageSize = 500,
  ) {
    const anchor = q.anchor ?? (q.order === 'desc' ? q.end + 1 : q.start);
    this.end = q.end;
    this.readers = {
      older: this.reader(false, Math.max(q.start, BACKWARD_MIN_START), anchor - 1),
      newer: this.reader(true, anchor, q.end),
    };
  }

  private reader(forward: boolean, start: number, end: number): MergedReader | null {
    if (start > end) return null;
    return new MergedReader(this.q.groups, (g, tok) => this.fetch(g, forward, start, end, tok), forward);
  }

  /** The side shown at the top of the list. */
  get topSide(): Side {
    return this.q.order === 'desc' ? 'newer' : 'older';
  }

  get bottomSide(): Side {
    return this.q.order === 'desc' ? 'older' : 'newer';
  }

  done(side: Side): boolean {
    const r = this.readers[side];
    return !r || r.done;
  }

  close(): void {
    this.closed = true;
  }

  /** Loads the next page on a side; a no-op while one is loading or when done. */
  async load(side: Side): Promise<void> {
    const r = this.readers[side];
    if (this.closed || this.loading[side] || !r || r.done || this.error) return;
    this.loading[side] = true;
    this.onChange();
    try {
      const evs = await r.next(this.pageSize);
      if (this.closed) return;
      // Each reader yields events moving away from the anchor; the top side
      // is shown reversed above the rows.
      if (side === this.bottomSide) this.rows = this.rows.concat(evs);
      else this.rows = evs.reverse().concat(this.rows);
    } catch (e) {
      if (!this.closed) this.error = e;
    } finally {
      this.loading[side] = false;
      if (!this.closed) this.onChange();
    }
  }

  /**
   * Extends a range that ends "now" to a new now: the events that arrived
   * since appear on the newer side (at the top when newest first).
   */
  extendNewer(now: number): void {
    if (now <= this.end || !this.done('newer')) return;
    this.readers.newer = this.reader(true, this.end + 1, now);
    this.end = now;
  }
}

/** The timestamp an eventId starts with (offset by 2^63), or null. */
export function eventIdTime(id: string): number | null {
  if (!/^\d{56}$/.test(id)) return null;
  const v = BigInt(id.slice(0, 20)) ^ (1n << 63n);
  return Number(BigInt.asIntN(64, v));
}
