// Measures the UI against the targets (not part of the test run:
// `node e2e/perf.mjs [events]`, default 1,000,000): first paint, a search
// over all the events (first page and histogram), and scrolling 100,000
// loaded rows. Prints the numbers; asserts nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CloudWatchLogs } from './cwlogs.mjs';
import { buildServer, credentials, startServer } from './server.mjs';

const N = Number(process.argv[2] ?? 1_000_000);
const STREAMS = 10;
const tmp = mkdtempSync(join(tmpdir(), 'logpond-perf-'));
const server = await startServer(buildServer(tmp));
const api = new CloudWatchLogs({ endpoint: server.url, ...credentials });

try {
  // Seed: N events over the last 2 hours, 1 in 10 an ERROR.
  const now = Date.now();
  const span = 2 * 3_600_000 - 60_000;
  let t = Date.now();
  const per = Math.ceil(N / STREAMS);
  await Promise.all(
    Array.from({ length: STREAMS }, async (_, s) => {
      const evs = [];
      for (let i = 0; i < per; i++) {
        const level = (i + s) % 10 === 0 ? 'ERROR' : 'INFO';
        evs.push({ timestamp: now - span + Math.floor((i * span) / per), message: `${level} req=${s}-${i} path=/api/items/${i % 97} status=${level === 'ERROR' ? 500 : 200} took=${i % 300}ms` });
      }
      await api.put('perf', `stream-${s}`, evs);
    }),
  );
  console.log(`seeded ${(per * STREAMS).toLocaleString()} events in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 800 },
    timezoneId: 'UTC',
  });
  const page = context.pages()[0] ?? (await context.newPage());

  await page.goto(server.url + '/ui/');
  await page.waitForSelector('input[name=accessKeyId]');
  const paint = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
  console.log(`first contentful paint (sign-in page, cold): ${paint?.toFixed(0)} ms`);
  await page.fill('input[name=accessKeyId]', credentials.accessKeyId);
  await page.fill('input[name=secretAccessKey]', credentials.secretAccessKey);
  await page.click('button[type=submit]');
  await page.getByTestId('groups').getByText('perf').waitFor();

  // Cold: navigation to a search URL until its first rows and histogram show.
  for (const [label, q] of [
    ['pattern ERROR (10% match)', 'ERROR'],
    ['no pattern (all match)', ''],
  ]) {
    await page.goto(server.url + '/ui/groups');
    t = Date.now();
    await page.goto(`${server.url}/ui/events?g=perf&start=-2h&tz=UTC${q ? '&q=' + encodeURIComponent(q) : ''}`);
    await page.getByTestId('events').locator('.vrow').first().waitFor({ timeout: 60_000 });
    const firstRow = Date.now() - t;
    await page.locator('[data-testid=histogram] canvas').waitFor({ timeout: 60_000 });
    console.log(`page load + search, ${label}: first rows ${firstRow} ms, histogram ${Date.now() - t} ms after navigation`);
  }

  // Warm: a new search typed into the open page, timed inside the page
  // from the click on Search to the first rows and the new histogram.
  for (const [label, q] of [
    ['pattern ERROR (10% match)', 'ERROR'],
    ['pattern "req=3-99999" (1 match)', '"req=3-99999"'],
    ['pattern { $.x = 1 } (JSON, none match)', '{ $.x = 1 }'],
    ['no pattern (all match)', ''],
  ]) {
    const r = await page.evaluate(async (q) => {
      const input = document.querySelector('[data-testid=pattern]');
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(input, q);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((r) => requestAnimationFrame(r));
      const oldCanvas = document.querySelector('[data-testid=histogram] canvas');
      const oldEmpty = document.querySelector('.overlay-empty');
      const t0 = performance.now();
      document.querySelector('[data-testid=run-search]').click();
      let cleared = false;
      let rows = null;
      let hist = null;
      const done = () => rows !== null && hist !== null;
      while (!done() && performance.now() - t0 < 60_000) {
        await new Promise((r) => requestAnimationFrame(r));
        const first = document.querySelector('[data-testid=events] .vrow');
        const empty = document.querySelector('.overlay-empty');
        if (!first) cleared = true;
        if (rows === null && ((cleared && first) || (empty && empty !== oldEmpty))) rows = performance.now() - t0;
        const c = document.querySelector('[data-testid=histogram] canvas');
        if (hist === null && c && c !== oldCanvas) hist = performance.now() - t0;
      }
      const api = performance
        .getEntriesByType('resource')
        .filter((e) => e.startTime >= t0 && (e.name.includes('/ui/api/histogram') || e.name.includes('FilterLogEvents')))
        .map((e) => `${e.name.includes('histogram') ? 'histogram' : 'FilterLogEvents'} ${e.duration.toFixed(0)} ms`);
      return { rows: rows?.toFixed(0), hist: hist?.toFixed(0), count: document.querySelector('[data-testid=count]').textContent, api };
    }, q);
    console.log(`search, ${label}: first rows ${r.rows} ms, histogram ${r.hist} ms after clicking Search (${r.count}; requests: ${r.api.join(', ')})`);
  }

  // Scrolling 100,000 rows.
  await page.goto(`${server.url}/ui/events?g=perf&start=-2h&tz=UTC`);
  await page.getByTestId('events').locator('.vrow').first().waitFor();
  t = Date.now();
  const loaded = await page.evaluate(async () => {
    const list = document.querySelector('[data-testid=events]');
    const count = () => Number(list.getAttribute('aria-rowcount'));
    while (count() < 100_000) {
      const before = count();
      list.scrollTop = list.scrollHeight;
      list.dispatchEvent(new Event('scroll'));
      const until = performance.now() + 10_000;
      while (count() === before && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
      if (count() === before) break;
    }
    return count();
  });
  console.log(`loaded ${loaded.toLocaleString()} rows by scrolling in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const frames = await page.evaluate(async () => {
    const list = document.querySelector('[data-testid=events]');
    list.scrollTop = 0;
    const deltas = [];
    let last = performance.now();
    for (let i = 0; i < 300; i++) {
      list.scrollTop += 1500; // a fast fling: 68 rows per frame
      await new Promise((r) => requestAnimationFrame(r));
      const now = performance.now();
      deltas.push(now - last);
      last = now;
    }
    deltas.sort((a, b) => a - b);
    const q = (p) => deltas[Math.floor((deltas.length - 1) * p)].toFixed(1);
    return { p50: q(0.5), p95: q(0.95), max: q(1), dom: document.querySelectorAll('.vrow').length };
  });
  console.log(`scrolling ${loaded.toLocaleString()} rows: frame time p50 ${frames.p50} ms, p95 ${frames.p95} ms, max ${frames.max} ms (${frames.dom} row elements in the DOM)`);
  await context.close();
} finally {
  await server.stop();
  rmSync(tmp, { recursive: true, force: true });
}
