import { parseAnsi } from '../ansi';

/**
 * A log message as text: ANSI colours become classes, other control
 * characters are dropped. oneLine shows line breaks as ⏎ (for list rows).
 * Never markup: every piece is a text node.
 */
export function Message({ text, oneLine = false }: { text: string; oneLine?: boolean }) {
  const segs = parseAnsi(oneLine ? text.replace(/\r?\n/g, ' ⏎ ') : text);
  if (segs.length === 1 && !segs[0].cls) return <>{segs[0].text}</>;
  return (
    <>
      {segs.map((s, i) =>
        s.cls ? (
          <span key={i} class={s.cls}>
            {s.text}
          </span>
        ) : (
          s.text
        ),
      )}
    </>
  );
}
