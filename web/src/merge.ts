// Reading FilterLogEvents pages of several log groups as one stream of
// events ordered by time, in either direction. CloudWatch's
// FilterLogEvents covers one group; the events view merges them here.

export interface LogEvent {
  logGroupName: string;
  logStreamName: string;
  timestamp: number;
  ingestionTime?: number;
  message: string;
  eventId: string;
}

export interface Page {
  events: LogEvent[];
  nextToken?: string;
}

/** Fetches one page of a group; token is undefined for the first page. */
export type FetchPage = (group: string, token: string | undefined) => Promise<Page>;

interface Source {
  group: string;
  token?: string;
  started: boolean;
  done: boolean;
  buf: LogEvent[];
}

/** Orders events by timestamp, then by eventId (which starts with the key). */
export function compareEvents(a: LogEvent, b: LogEvent): number {
  if (a.timestamp !== b.timestamp) return a.timestamp - b.timestamp;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/**
 * A merged reader: next(n) returns up to n more events, ascending when
 * forward, descending otherwise. fetch must return each group's pages in
 * that same direction. Calls to next must not overlap.
 */
export class MergedReader {
  private sources: Source[];
  /** Pages fetched so far (for tests and the status line). */
  pages = 0;

  constructor(
    groups: string[],
    private fetch: FetchPage,
    private forward: boolean,
  ) {
    this.sources = groups.map((group) => ({ group, started: false, done: false, buf: [] }));
  }

  get done(): boolean {
    return this.sources.every((s) => s.done && s.buf.length === 0);
  }

  private async fill(s: Source): Promise<void> {
    // A page may be empty with a nextToken (the server stopped scanning at
    // its bound): keep going until events come or the group is done.
    while (!s.done && s.buf.length === 0) {
      const page = await this.fetch(s.group, s.started ? s.token : undefined);
      this.pages++;
      s.started = true;
      s.buf = page.events.map((e) => ({ ...e, logGroupName: e.logGroupName ?? s.group }));
      if (!page.nextToken || page.nextToken === s.token) s.done = true;
      s.token = page.nextToken;
    }
  }

  async next(n: number): Promise<LogEvent[]> {
    const out: LogEvent[] = [];
    while (out.length < n) {
      await Promise.all(this.sources.filter((s) => !s.done && s.buf.length === 0).map((s) => this.fill(s)));
      let best: Source | undefined;
      for (const s of this.sources) {
        if (s.buf.length === 0) continue;
        if (!best) best = s;
        else {
          const c = compareEvents(s.buf[0], best.buf[0]);
          if (this.forward ? c < 0 : c > 0) best = s;
        }
      }
      if (!best) break;
      // Take the leader's run up to the runner-up's head in one go.
      const others = this.sources.filter((s) => s !== best && s.buf.length > 0).map((s) => s.buf[0]);
      while (best.buf.length > 0 && out.length < n) {
        const e = best.buf[0];
        if (others.some((o) => (this.forward ? compareEvents(o, e) < 0 : compareEvents(o, e) > 0))) break;
        out.push(best.buf.shift()!);
      }
    }
    return out;
  }
}
