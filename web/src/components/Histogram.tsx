import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Histogram as Data } from '../api';
import { cssVar } from '../theme';
import { axisLabels, zoneOf } from '../time';

/**
 * Matching events per time bucket, as bars. Dragging across it selects a
 * range, which onZoom receives (epoch ms, end inclusive).
 */
export function Histogram({ data, tz, onZoom, height = 110 }: { data: Data; tz: string; onZoom: (start: number, end: number) => void; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const zoom = useRef(onZoom);
  zoom.current = onZoom;

  useEffect(() => {
    const el = box.current!;
    const xs = data.counts.map((_, i) => (data.startTime + i * data.bucketMs) / 1000);
    const zone = zoneOf(tz);
    const bar = cssVar('--accent') || '#2a7ab0';
    const axis = { stroke: cssVar('--muted') || '#888', grid: { stroke: cssVar('--grid') || '#8882', width: 1 }, ticks: { stroke: cssVar('--grid') || '#8882', width: 1 } };
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      scales: { x: { time: true, range: () => [data.startTime / 1000, (data.startTime + data.counts.length * data.bucketMs) / 1000] } },
      axes: [
        { ...axis, space: 90, values: (_u, splits, _i, _s, incr) => axisLabels(splits.map((v) => v * 1000), incr * 1000, tz) },
        { ...axis, size: 48, space: 30, values: (_u, vals) => vals.map((v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v))) },
      ],
      series: [
        {},
        {
          label: 'events',
          fill: bar,
          stroke: bar,
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.8, 40], align: 1 }),
          points: { show: false },
        },
      ],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const a = u.posToVal(u.select.left, 'x') * 1000;
            const b = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            zoom.current(Math.floor(a), Math.ceil(b));
          },
        ],
      },
    };
    const u = new uPlot(opts, [xs, data.counts], el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [data, tz, height]);

  return <div class="histogram" ref={box} data-testid="histogram" title="Drag across the chart to zoom into a time range" />;
}
