// The URL is the app's state: navigate() writes it, useAppState() reads it.

import { useEffect, useState } from 'preact/hooks';
import { type AppState, formatState, parseState } from './state';

let current: AppState = parseState(location.pathname, location.search);
const listeners = new Set<() => void>();

function notify() {
  for (const f of listeners) f();
}

window.addEventListener('popstate', () => {
  current = parseState(location.pathname, location.search);
  notify();
});

export function getState(): AppState {
  return current;
}

/**
 * Shows state s: a new history entry, or with replace the current one
 * (for changes such as typing or selecting a row, which Back should skip).
 */
export function navigate(s: AppState, replace = false): void {
  const url = formatState(s);
  if (url !== location.pathname + location.search) {
    if (replace) history.replaceState(null, '', url);
    else history.pushState(null, '', url);
  }
  current = parseState(location.pathname, location.search);
  notify();
}

/** Changes part of the state. */
export function update(changes: Partial<AppState>, replace = false): void {
  navigate({ ...current, ...changes }, replace);
}

export function useAppState(): AppState {
  const [s, set] = useState(current);
  useEffect(() => {
    const f = () => set(current);
    listeners.add(f);
    f();
    return () => {
      listeners.delete(f);
    };
  }, []);
  return s;
}

/** The full URL of a state, for sharing. */
export function absoluteURL(s: AppState): string {
  return location.origin + formatState(s);
}
