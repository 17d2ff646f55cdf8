import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

interface Props<T> {
  items: T[];
  rowHeight: number;
  keyOf: (item: T) => string;
  renderRow: (item: T, index: number, selected: boolean) => ComponentChildren;
  selected?: number;
  onSelect?: (index: number) => void;
  onOpen?: (index: number) => void;
  onNearTop?: () => void;
  onNearBottom?: () => void;
  /** Keep the view at the bottom as items arrive while it is there (live tail). */
  stickToBottom?: boolean;
  /** Called with whether the view is at the bottom after each scroll. */
  onAtBottom?: (atBottom: boolean) => void;
  /** Scroll to this index once (e.g. a shared link's event). */
  revealIndex?: number;
  label: string;
  testId?: string;
}

const OVERSCAN = 12;
const EDGE_ROWS = 30;

/**
 * A list that renders only the rows in view, so that 100,000 rows scroll
 * as smoothly as 100. Rows have a fixed height. When items are added or
 * removed above the view, the rows in view stay where they are: the first
 * visible item is found again and the scroll position moved to it.
 */
export function VirtualList<T>(p: Props<T>) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const atBottom = useRef(true);
  const prevItems = useRef<T[]>(p.items);

  useLayoutEffect(() => {
    const el = box.current!;
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    setHeight(el.clientHeight);
    return () => ro.disconnect();
  }, []);

  // Keep the view steady when items change: the item that was first in
  // view stays where it was (or, sticking to the bottom, the end stays).
  useLayoutEffect(() => {
    const el = box.current!;
    const prev = prevItems.current;
    if (prev === p.items) return;
    prevItems.current = p.items;
    const firstPrev = Math.floor(el.scrollTop / p.rowHeight);
    const anchor = firstPrev < prev.length ? { item: prev[firstPrev], offset: el.scrollTop - firstPrev * p.rowHeight } : null;
    if (p.stickToBottom && atBottom.current) {
      el.scrollTop = el.scrollHeight;
    } else if (anchor && p.items[firstPrev] !== anchor.item) {
      const i = p.items.indexOf(anchor.item);
      if (i >= 0) el.scrollTop = i * p.rowHeight + anchor.offset;
    }
    setScrollTop(el.scrollTop);
    checkEdges(el);
  }, [p.items]);

  useEffect(() => {
    const el = box.current;
    if (!el || p.revealIndex === undefined || p.revealIndex < 0) return;
    const top = p.revealIndex * p.rowHeight - el.clientHeight / 3;
    el.scrollTop = Math.max(0, top);
    onScroll();
  }, [p.revealIndex]);

  const checkEdges = (el: HTMLDivElement) => {
    const edge = EDGE_ROWS * p.rowHeight;
    if (el.scrollTop < edge) p.onNearTop?.();
    if (el.scrollTop + el.clientHeight > el.scrollHeight - edge) p.onNearBottom?.();
  };

  const onScroll = () => {
    const el = box.current!;
    const st = el.scrollTop;
    setScrollTop(st);
    atBottom.current = st + el.clientHeight >= el.scrollHeight - p.rowHeight;
    p.onAtBottom?.(atBottom.current);
    checkEdges(el);
  };

  // Selection moves with the keyboard and stays in view.
  const move = (to: number) => {
    if (p.items.length === 0) return;
    const i = Math.max(0, Math.min(p.items.length - 1, to));
    p.onSelect?.(i);
    const el = box.current!;
    const top = i * p.rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + p.rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + p.rowHeight - el.clientHeight;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const sel = p.selected ?? -1;
    const page = Math.max(1, Math.floor(height / p.rowHeight) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(sel + 1),
      j: () => move(sel + 1),
      ArrowUp: () => move(sel - 1),
      k: () => move(sel - 1),
      PageDown: () => move(sel + page),
      PageUp: () => move(sel - page),
      Home: () => move(0),
      End: () => move(p.items.length - 1),
      Enter: () => sel >= 0 && p.onOpen?.(sel),
    };
    const f = keys[e.key];
    if (f && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      f();
    }
  };

  const first = Math.max(0, Math.floor(scrollTop / p.rowHeight) - OVERSCAN);
  const last = Math.min(p.items.length, Math.ceil((scrollTop + height) / p.rowHeight) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    const item = p.items[i];
    const sel = i === p.selected;
    rows.push(
      <div
        key={p.keyOf(item)}
        class={sel ? 'vrow selected' : 'vrow'}
        role="row"
        aria-selected={sel}
        data-index={i}
        onClick={() => {
          // A click that ends a text selection is not a row click.
          if (String(window.getSelection() ?? '') !== '') return;
          p.onSelect?.(i);
        }}
        onDblClick={() => p.onOpen?.(i)}
      >
        {p.renderRow(item, i, sel)}
      </div>,
    );
  }
  return (
    <div class="vlist" ref={box} onScroll={onScroll} tabIndex={0} onKeyDown={onKeyDown} role="grid" aria-label={p.label} aria-rowcount={p.items.length} data-testid={p.testId}>
      <div class="vspacer" style={{ height: `${p.items.length * p.rowHeight}px` }}>
        <div class="vwindow" style={{ transform: `translateY(${first * p.rowHeight}px)` }}>
          {rows}
        </div>
      </div>
    </div>
  );
}
