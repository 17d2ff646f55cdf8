// Starts a real `logpond server` for the end-to-end tests: built from this
// checkout, on a free loopback port, with a temporary data dir and known
// credentials.

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '../..');

export const credentials = {
  accessKeyId: 'LPAKE2ETESTKEY000001',
  secretAccessKey: 'e2e-secret-0123456789abcdefghijklmnopqrstuv',
  account: '123456789012',
};

/** Builds the logpond binary once into dir; returns its path. */
export function buildServer(dir) {
  const bin = join(dir, 'logpond');
  execFileSync('go', ['build', '-o', bin, './cmd/logpond'], { cwd: repo, stdio: 'inherit' });
  return bin;
}

/** Starts the server; resolves with {url, stop}. */
export async function startServer(bin) {
  const data = mkdtempSync(join(tmpdir(), 'logpond-e2e-data-'));
  const child = spawn(bin, ['server', '--listen', '127.0.0.1:0', '--data-dir', data, '--log-level', 'info'], {
    env: {
      ...process.env,
      LOGPOND_ACCESS_KEY_ID: credentials.accessKeyId,
      LOGPOND_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      LOGPOND_ACCOUNT_ID: credentials.account,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`logpond did not start:\n${log}`)), 30_000);
    child.stderr.on('data', (b) => {
      log += b;
      const m = /logpond listening"? addr=(\S+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        ok(`http://${m[1]}`);
      }
    });
    child.on('exit', (code) => fail(new Error(`logpond exited with ${code}:\n${log}`)));
  });
  return {
    url,
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((ok) => child.on('exit', ok));
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}
