import { formatTime } from '../time';

/** A list row's timestamp; narrow screens hide the date part. */
export function Time({ t, tz }: { t: number; tz: string }) {
  const s = formatTime(t, tz);
  return (
    <span class="col-time">
      <span class="date">{s.slice(0, 11)}</span>
      {s.slice(11)}
    </span>
  );
}
