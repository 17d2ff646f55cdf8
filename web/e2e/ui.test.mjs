// End-to-end tests of the web UI: a real `logpond server` (built from this
// checkout, temp data dir, known credentials, free loopback port), seeded
// through the signed CloudWatch API, driven in Debian's Chromium by
// playwright-core. Screenshots of the main views go to docs/screenshots/
// (or $LOGPOND_SCREENSHOTS).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CloudWatchLogs } from './cwlogs.mjs';
import { buildServer, credentials, repo, startServer } from './server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const shots = process.env.LOGPOND_SCREENSHOTS ?? join(repo, 'docs/screenshots');
const desktop = { width: 1280, height: 800 };

let tmp, server, api, context, page, insightsAvailable;
const dialogs = [];
const consoleErrors = [];
const now = Date.now();

// The seeded data: what the tests know about it.
const WEB = 'app/web';
const WORKER = 'app/worker';
const EVIL_STREAM = '<img src=x onerror=window.__xss=1>';
const evil = ['<img src=x onerror="window.__xss=1;alert(1)">', '<script>window.__xss=2;alert(2)</script>', 'done \x1b[31mred\x1b[0m \x1b[1mbold\x1b[0m'];
let webErrors = 0;

function webEvents(stream, n, offset) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const error = (i + offset) % 7 === 0;
    if (error) webErrors++;
    out.push({
      timestamp: now - 50 * 60_000 + Math.floor((i * 45 * 60_000) / n) + offset,
      message: JSON.stringify({
        level: error ? 'error' : 'info',
        status: error ? 500 : 200,
        path: `/api/items/${i % 13}`,
        latency_ms: 20 + ((i * 37) % 400),
        http: { method: i % 3 ? 'GET' : 'POST', ua: 'curl/8' },
        msg: error ? `upstream failed on request ${i}` : `served request ${i}`,
      }),
    });
  }
  return out;
}

async function shot(name, p = page) {
  await p.screenshot({ path: join(shots, `${name}.png`) });
}

async function signIn(p, secret = credentials.secretAccessKey) {
  await p.fill('input[name=accessKeyId]', credentials.accessKeyId);
  await p.fill('input[name=secretAccessKey]', secret);
  await p.click('button[type=submit]');
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  tmp = mkdtempSync(join(tmpdir(), 'logpond-e2e-'));
  const bin = buildServer(tmp);
  server = await startServer(bin);
  api = new CloudWatchLogs({ endpoint: server.url, ...credentials });
  await api.put(WEB, 'web-1', webEvents('web-1', 400, 0));
  await api.put(WEB, 'web-2', webEvents('web-2', 300, 3));
  await api.put(WEB, EVIL_STREAM, evil.map((message, i) => ({ timestamp: now - 60_000 + i, message })));
  await api.put(
    WORKER,
    'worker-1',
    Array.from({ length: 120 }, (_, i) => ({ timestamp: now - 40 * 60_000 + i * 10_000, message: `job ${i} ${i % 5 ? 'ok' : 'ERROR retrying'} \x1b[32mdone\x1b[0m` })),
  );
  try {
    await api.call('StartQuery', { logGroupName: WEB, startTime: Math.floor(now / 1000) - 60, endTime: Math.floor(now / 1000), queryString: 'fields @message | limit 1' });
    insightsAvailable = true;
  } catch (e) {
    insightsAvailable = e.type !== 'UnknownOperationException';
  }

  const profile = join(tmp, 'chromium-profile');
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: desktop,
    timezoneId: 'UTC',
    locale: 'en-US',
    colorScheme: 'light',
  });
  page = context.pages()[0] ?? (await context.newPage());
  context.on('page', (p) => p.on('dialog', (d) => (dialogs.push(d.message()), d.dismiss())));
  page.on('dialog', (d) => (dialogs.push(d.message()), d.dismiss()));
  const watch = (p) => {
    p.on('pageerror', (e) => consoleErrors.push(`page error: ${e.message}`));
    p.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  };
  watch(page);
  context.on('page', watch);
});

after(async () => {
  await context?.close();
  await server?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('web UI', () => {
  it('redirects a browser to /ui/, refuses a wrong secret, signs in', async () => {
    await page.goto(server.url + '/');
    assert.match(page.url(), /\/ui\/$/);
    await page.waitForSelector('input[name=accessKeyId]');
    const fcp = await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime);
    console.log(`first contentful paint of /ui/: ${fcp?.toFixed(0)} ms`);
    await shot('signin');
    await signIn(page, 'wrong secret');
    await page.getByRole('alert').waitFor();
    assert.match(await page.getByRole('alert').innerText(), /wrong/);
    await signIn(page);
    await page.getByTestId('groups').getByText(WEB).waitFor();
    const cookies = await context.cookies();
    const c = cookies.find((x) => x.name === 'logpond_session');
    assert.ok(c?.httpOnly, 'session cookie is HttpOnly');
    assert.equal(c.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'scripts cannot read the session cookie');
  });

  it('lists groups with a filter, then a group’s streams by last event', async () => {
    await page.getByTestId('groups').getByText(WORKER).waitFor();
    await shot('groups');
    await page.fill('input[aria-label="Filter log groups by name"]', 'work');
    await page.waitForFunction(() => !document.querySelector('[data-testid=groups]').textContent.includes('app/web'));
    assert.match(page.url(), /f=work/);
    await page.fill('input[aria-label="Filter log groups by name"]', '');
    await page.getByTestId('groups').getByRole('link', { name: WEB }).click();
    await page.getByTestId('streams').getByText('web-1').waitFor();
    const names = await page.getByTestId('streams').locator('tbody td.name').allInnerTexts();
    assert.deepEqual(names, [EVIL_STREAM, 'web-1', 'web-2'], 'newest last event first; names are text');
    assert.equal(await page.locator('[data-testid=streams] img').count(), 0);
    await shot('streams');
    await page.getByTestId('streams').getByRole('link', { name: 'web-1' }).click();
    await page.getByTestId('events').locator('.vrow').first().waitFor();
    assert.match(page.url(), /\/ui\/events\?g=app%2Fweb&s=web-1/);
  });

  it('searches with a pattern: histogram, count, pattern errors, drag to zoom', async () => {
    await page.goto(`${server.url}/ui/events?g=${encodeURIComponent(WEB)}&tz=UTC`);
    await page.getByTestId('pattern').fill('{ $.level = "error" }');
    await page.getByTestId('pattern').press('Enter');
    await page.waitForFunction((n) => document.querySelector('[data-testid=count]')?.textContent === `${n} matching events`, webErrors);
    await page.locator('[data-testid=histogram] canvas').waitFor();
    const rows = await page.getByTestId('events').locator('.vrow .col-msg').allInnerTexts();
    assert.ok(rows.length > 0 && rows.every((r) => r.includes('"level":"error"')), 'every row matches');
    await shot('search');

    // A wrong pattern says where.
    await page.getByTestId('pattern').fill('{ $.level = ');
    await page.getByTestId('pattern').press('Enter');
    const err = page.getByTestId('pattern-error');
    await err.waitFor();
    assert.match(await err.innerText(), /Invalid filter pattern/);
    assert.match(await err.locator('.caret').innerText(), /\^$/);

    // Dragging across the histogram zooms into that range.
    await page.getByTestId('pattern').fill('{ $.level = "error" }');
    await page.getByTestId('pattern').press('Enter');
    await page.waitForFunction((n) => document.querySelector('[data-testid=count]')?.textContent === `${n} matching events`, webErrors);
    const box = await page.locator('[data-testid=histogram] .u-over').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction(() => /start=\d{13}/.test(location.search) && /end=\d{13}/.test(location.search));
    await page.waitForFunction((n) => {
      const m = /^([\d,]+) matching events$/.exec(document.querySelector('[data-testid=count]')?.textContent ?? '');
      return m && Number(m[1].replace(/,/g, '')) < n;
    }, webErrors);
  });

  it('opens a JSON event, its fields, and its context', async () => {
    await page.goto(`${server.url}/ui/events?g=${encodeURIComponent(WEB)}&s=web-1&tz=UTC`);
    await page.getByTestId('events').locator('.vrow').nth(3).click();
    const detail = page.getByTestId('event-detail');
    await detail.getByTestId('json-tree').waitFor();
    assert.match(await detail.getByTestId('json-tree').innerText(), /"level": "(info|error)"/);
    // Collapse the "http" object.
    await detail.getByTestId('json-tree').getByRole('button', { name: 'Collapse' }).nth(1).click();
    assert.match(await detail.getByTestId('json-tree').innerText(), /2 keys/);
    await shot('event-json');

    // Field facets; a click adds a JSON condition to the pattern.
    await page.getByTestId('fields').click();
    const facets = page.getByTestId('facets');
    await facets.getByText('level', { exact: false }).first().waitFor();
    await facets.locator('.facet', { hasText: 'level' }).getByRole('button', { name: /error/ }).click();
    await page.waitForFunction(() => new URLSearchParams(location.search).get('q') === '{ $.level = "error" }');
    assert.equal(await page.getByTestId('pattern').inputValue(), '{ $.level = "error" }');
    await page.getByTestId('fields').click();

    // Context: the events around one in its stream.
    await page.getByTestId('events').locator('.vrow').nth(2).click();
    const selectedMsg = await page.locator('.vrow.selected .col-msg').innerText();
    await page.getByTestId('open-context').click();
    const ctx = page.getByTestId('context');
    await ctx.locator('.ctx-row.anchor').waitFor();
    assert.equal(await ctx.locator('.ctx-row.anchor .col-msg').innerText(), selectedMsg);
    const n = await ctx.locator('.ctx-row').count();
    assert.ok(n > 20, `context shows ${n} events`);
    assert.match(await ctx.locator('.ctx-row').first().innerText(), /"level":"info"/, 'context is not filtered by the pattern');
    assert.match(page.url(), /ctx=1/);
    await shot('context');
    await page.keyboard.press('Escape');
    await ctx.waitFor({ state: 'detached' });
  });

  it('shows a malicious message and stream name as text', async () => {
    await page.goto(`${server.url}/ui/events?g=${encodeURIComponent(WEB)}&tz=UTC&q=${encodeURIComponent('?onerror ?script ?done')}`);
    const list = page.getByTestId('events');
    await list.locator('.vrow', { hasText: '<script>' }).waitFor();
    const text = await list.innerText();
    assert.ok(text.includes(evil[0]) && text.includes(evil[1]), 'the markup is shown literally');
    assert.ok(text.includes(EVIL_STREAM), 'the stream name is shown literally');
    assert.ok(text.includes('done red bold') && !text.includes('\x1b'), 'ANSI codes are rendered, not shown');
    assert.equal(await list.locator('.vrow .ansi-fg-1').innerText(), 'red');
    await list.locator('.vrow', { has: page.locator('.col-msg', { hasText: '<img' }) }).click();
    await page.getByTestId('message-full').waitFor();
    assert.equal(await page.getByTestId('message-full').innerText(), evil[0]);
    assert.equal(await page.locator('main img, main script').count(), 0, 'no element was injected');
    assert.equal(await page.evaluate(() => window.__xss), undefined, 'no script ran');
    assert.deepEqual(dialogs, [], 'no dialog opened');
  });

  it('runs a Logs Insights query with a bin() chart, keeps history and saves it', async (t) => {
    if (!insightsAvailable) {
      t.skip('StartQuery answers UnknownOperationException: Logs Insights is not on this server yet');
      return;
    }
    const q = 'filter level = "error"\n| stats count(*) as errors by bin(5m)';
    await page.goto(`${server.url}/ui/insights?g=${encodeURIComponent(WEB)}&tz=UTC`);
    await page.getByTestId('query').fill(q);
    await page.getByTestId('run-query').click();
    await page.getByTestId('insights-table').locator('th', { hasText: 'bin(5m)' }).waitFor();
    await page.getByTestId('insights-chart').locator('canvas').waitFor();
    const counts = await page.getByTestId('insights-table').locator('tbody tr td:nth-child(2)').allInnerTexts();
    assert.equal(
      counts.reduce((s, x) => s + Number(x), 0),
      webErrors,
      'the bins add up to the errors',
    );
    assert.match(page.url(), /iq=.*&run=1|run=1.*iq=/);
    assert.ok((await page.getByTestId('history').locator('option').allInnerTexts()).some((o) => o.includes('stats count(*) as errors')));
    await page.fill('input[aria-label="Query name"]', 'errors per 5 minutes');
    await page.getByTestId('save-query').click();
    await page.locator('.saved-item', { hasText: 'errors per 5 minutes' }).waitFor();
    await shot('insights');
  });

  it('live tail shows an event put through the API within 2 s', async () => {
    await page.goto(`${server.url}/ui/tail?g=${encodeURIComponent(WEB)}&tz=UTC`);
    await page.waitForFunction(() => document.querySelector('[data-testid=tail-status]')?.textContent === 'Live');
    await page.getByTestId('tail-events').locator('.vrow').first().waitFor(); // the backlog
    const marker = `tail-marker-${Math.random().toString(36).slice(2)}`;
    const put = api.put(WEB, 'web-1', [{ timestamp: Date.now(), message: JSON.stringify({ level: 'info', msg: marker }) }]);
    await put;
    const t0 = Date.now();
    await page.getByTestId('tail-events').locator('.vrow', { hasText: marker }).waitFor({ timeout: 2000 });
    console.log(`live tail: event shown ${Date.now() - t0} ms after PutLogEvents returned`);
    await shot('tail');

    // Paused, new events wait; resumed, they show.
    await page.getByTestId('pause').click();
    const held = `held-${marker}`;
    await api.put(WEB, 'web-1', [{ timestamp: Date.now(), message: held }]);
    await page.getByTestId('pause').filter({ hasText: '1 new' }).waitFor({ timeout: 3000 });
    assert.equal(await page.getByTestId('tail-events').getByText(held).count(), 0);
    await page.getByTestId('pause').click();
    await page.getByTestId('tail-events').getByText(held).waitFor({ timeout: 2000 });
  });

  it('reopens a shared URL in the same view, after signing in again', async () => {
    await page.goto(`${server.url}/ui/events?g=${encodeURIComponent(WEB)}&g=${encodeURIComponent(WORKER)}&tz=UTC&q=${encodeURIComponent('?ERROR ?error')}`);
    await page.getByTestId('events').locator('.vrow').nth(5).click();
    const msg = await page.locator('.vrow.selected .col-msg').innerText();
    await page.getByTestId('count').filter({ hasText: 'matching events' }).waitFor();
    const count = await page.getByTestId('count').innerText();
    const url = page.url();
    assert.match(url, /ev=\d{56}/);

    await context.clearCookies();
    const other = await context.newPage();
    await other.goto(url);
    await signIn(other);
    await other.getByTestId('event-detail').waitFor();
    assert.equal(other.url(), url);
    assert.equal(await other.getByTestId('pattern').inputValue(), '?ERROR ?error');
    assert.equal(await other.locator('.vrow.selected .col-msg').innerText(), msg);
    await other.getByTestId('count').filter({ hasText: 'matching events' }).waitFor();
    assert.equal(await other.getByTestId('count').innerText(), count);
    assert.equal(await other.locator('.chip-text', { hasText: WORKER }).count(), 1);
    await other.close();
  });

  it('has a dark theme and works on a phone', async () => {
    await page.goto(`${server.url}/ui/events?g=${encodeURIComponent(WEB)}&tz=UTC&q=${encodeURIComponent('{ $.status >= 500 }')}`);
    await page.getByTestId('events').locator('.vrow').first().waitFor();
    await page.getByTestId('theme').click(); // system → light
    await page.getByTestId('theme').click(); // light → dark
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    await page.locator('[data-testid=histogram] canvas').waitFor();
    await shot('search-dark');
    await page.getByTestId('theme').click(); // back to system

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByTestId('events').locator('.vrow').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px)`);
    await shot('phone-search');
    await page.getByTestId('events').locator('.vrow').first().click();
    await page.getByTestId('event-detail').waitFor();
    await shot('phone-event');
    await page.setViewportSize(desktop);
  });

  it('ran without script errors or Content-Security-Policy violations', () => {
    // The wrong secret (401) and the wrong pattern (400) are the only
    // failed requests the tests cause.
    const unexpected = consoleErrors.filter((m) => !/Failed to load resource: the server responded with a status of 40[01]/.test(m));
    assert.deepEqual(unexpected, []);
  });

  it('enforces Trusted Types: HTML from strings cannot reach the page', async () => {
    const r = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<b id=tt-probe>x</b>');
        return 'inserted';
      } catch (e) {
        return e.name;
      }
    });
    assert.equal(r, 'TypeError');
    assert.equal(await page.locator('#tt-probe').count(), 0);
  });

  it('signs out', async () => {
    await page.goto(`${server.url}/ui/`);
    await page.getByTestId('sign-out').click();
    await page.waitForSelector('input[name=accessKeyId]');
    const r = await page.evaluate(() => fetch('/ui/api/session').then((r) => r.status));
    assert.equal(r, 401);
  });
});
