// The live tail's events: newest last, without duplicates (a reconnect
// sends a backlog that overlaps what is shown), at most cap of them.

import type { LogEvent } from './merge';

export class TailBuffer {
  private items: LogEvent[] = [];
  private ids = new Set<string>();
  /** Events added so far (after removing duplicates). */
  received = 0;
  /** Events lost: left out by the server or pushed out by the cap. */
  dropped = 0;
  private shownAt = 0;

  constructor(private cap: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Events received since the last visible() call. */
  get pending(): number {
    return this.received - this.shownAt;
  }

  add(evs: LogEvent[], serverDropped = 0): void {
    this.dropped += serverDropped;
    for (const e of evs) {
      if (this.ids.has(e.eventId)) continue;
      this.ids.add(e.eventId);
      this.items.push(e);
      this.received++;
    }
    this.trim();
  }

  setCap(cap: number): void {
    this.cap = cap;
    this.trim();
  }

  private trim(): void {
    const n = this.items.length - this.cap;
    if (n <= 0) return;
    for (let i = 0; i < n; i++) this.ids.delete(this.items[i].eventId);
    this.items = this.items.slice(n);
    this.dropped += n;
  }

  /** A snapshot to show; what arrives later counts as pending. */
  visible(): LogEvent[] {
    this.shownAt = this.received;
    return this.items.slice();
  }

  clear(): void {
    this.items = [];
    this.ids.clear();
    this.shownAt = this.received;
  }
}
