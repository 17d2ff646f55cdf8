// The app's calls to the server: sessions, CloudWatch operations run as
// the session's account (POST /ui/api/op/NAME), and the UI endpoints of
// docs/ui-api.md. Every state-changing call carries the session's CSRF
// token.

import type { LogEvent } from './merge';

export class ApiError extends Error {
  constructor(
    public status: number,
    public type: string,
    message: string,
    /** 1-based character of a filter pattern error, when known. */
    public position?: number,
    public body?: unknown,
  ) {
    super(message);
  }
}

export interface Session {
  accessKeyId: string;
  account: string;
  region: string;
  csrfToken: string;
  expires: number;
}

export interface Config {
  authRequired: boolean;
  defaultRegion: string;
}

let csrf = '';
/** Called when a call finds the session gone. */
let onSignedOut: () => void = () => {};

export function setSignedOutHandler(fn: () => void) {
  onSignedOut = fn;
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && csrf) headers['X-Logpond-CSRF'] = csrf;
  let resp: Response;
  try {
    resp = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'NetworkError', 'The server cannot be reached.');
  }
  const text = await resp.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : {};
  } catch {
    data = undefined;
  }
  if (!resp.ok) {
    const d = (data ?? {}) as { __type?: string; message?: string; Message?: string; position?: number };
    const type = (d.__type ?? 'Error').replace(/^.*#/, '');
    const msg = d.message ?? d.Message ?? `${resp.status} ${resp.statusText}`;
    if (resp.status === 401 && type === 'NotSignedIn' && path !== '/ui/api/session') onSignedOut();
    throw new ApiError(resp.status, type, msg, d.position ?? patternPosition(msg), data);
  }
  return data as T;
}

/** The character a FilterLogEvents pattern error points at ("… (at character 7)"). */
export function patternPosition(msg: string): number | undefined {
  const m = /\(at character (\d+)\)/.exec(msg);
  return m ? Number(m[1]) : undefined;
}

/** The 0-based UTF-16 column of a 1-based code-point position. */
export function caretColumn(text: string, position: number): number {
  return Array.from(text)
    .slice(0, Math.max(0, position - 1))
    .join('').length;
}

export const getConfig = () => call<Config>('GET', '/ui/api/config');

export async function getSession(): Promise<Session | null> {
  try {
    const s = await call<Session>('GET', '/ui/api/session');
    csrf = s.csrfToken;
    return s;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

export async function signIn(accessKeyId: string, secretAccessKey: string, region: string): Promise<Session> {
  const s = await call<Session>('POST', '/ui/api/session', { accessKeyId, secretAccessKey, region });
  csrf = s.csrfToken;
  return s;
}

export async function signOut(): Promise<void> {
  try {
    await call('DELETE', '/ui/api/session');
  } finally {
    csrf = '';
  }
}

/** Runs a CloudWatch Logs operation as the session's account and region. */
export function op<T = Record<string, unknown>>(name: string, input: unknown, signal?: AbortSignal): Promise<T> {
  return call<T>('POST', `/ui/api/op/${name}`, input ?? {}, signal);
}

export interface Histogram {
  startTime: number;
  bucketMs: number;
  counts: number[];
  total: number;
  scanned: number;
  complete: boolean;
  elapsedMs: number;
}

export interface Selection {
  logGroupNames: string[];
  logStreamNames?: string[];
  logStreamNamePrefix?: string;
  filterPattern?: string;
}

export function histogram(sel: Selection, startTime: number, endTime: number, buckets: number, signal?: AbortSignal) {
  return call<Histogram>('POST', '/ui/api/histogram', { ...sel, startTime, endTime, buckets }, signal);
}

export interface ContextResult {
  events: LogEvent[];
  index: number;
  moreBefore: boolean;
  moreAfter: boolean;
}

export function eventContext(logGroupName: string, logStreamName: string, eventId: string, before: number, after: number, signal?: AbortSignal) {
  return call<ContextResult>('POST', '/ui/api/context', { logGroupName, logStreamName, eventId, before, after }, signal);
}

/** The URL of a live-tail event stream. */
export function tailURL(sel: Selection, backlog: number): string {
  const p = new URLSearchParams();
  for (const g of sel.logGroupNames) p.append('logGroupName', g);
  for (const s of sel.logStreamNames ?? []) p.append('logStreamName', s);
  if (sel.logStreamNamePrefix) p.set('logStreamNamePrefix', sel.logStreamNamePrefix);
  if (sel.filterPattern) p.set('filterPattern', sel.filterPattern);
  p.set('backlog', String(backlog));
  return `/ui/api/tail?${p}`;
}

// ---- CloudWatch shapes the app reads ----

export interface LogGroup {
  logGroupName: string;
  creationTime?: number;
  retentionInDays?: number;
  storedBytes?: number;
  arn?: string;
  logGroupClass?: string;
  deletionProtectionEnabled?: boolean;
}

export interface LogStream {
  logStreamName: string;
  creationTime?: number;
  firstEventTimestamp?: number;
  lastEventTimestamp?: number;
  lastIngestionTime?: number;
  storedBytes?: number;
}

export interface QueryDefinition {
  queryDefinitionId: string;
  name: string;
  queryString: string;
  lastModified?: number;
  logGroupNames?: string[];
}
