import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { ChartData } from '../insights';
import { cssVar } from '../theme';
import { axisLabels, zoneOf } from '../time';

const palette = ['#2a7ab0', '#e0703a', '#3a9e5c', '#b54a8f', '#c7a21e', '#5a5ad0', '#2aa3a3', '#a33a3a', '#7a7a7a', '#6a9a1f', '#d04a6a', '#3a6aa3'];

/** A time-series chart of an Insights bin() query. */
export function Chart({ data, tz }: { data: ChartData; tz: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current!;
    const zone = zoneOf(tz);
    const axis = { stroke: cssVar('--muted') || '#888', grid: { stroke: cssVar('--grid') || '#8882', width: 1 }, ticks: { stroke: cssVar('--grid') || '#8882', width: 1 } };
    const u = new uPlot(
      {
        width: el.clientWidth || 600,
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), zone),
        legend: { show: true, live: true },
        cursor: { drag: { x: true, y: false } },
        axes: [{ ...axis, space: 90, values: (_u, splits, _i, _s, incr) => axisLabels(splits.map((v) => v * 1000), incr * 1000, tz) }, { ...axis, size: 56 }],
        series: [{}, ...data.series.map((s, i) => ({ label: s.label, stroke: palette[i % palette.length], width: 2, points: { show: data.x.length < 60 }, spanGaps: false }))],
      },
      [data.x, ...data.series.map((s) => s.values)] as uPlot.AlignedData,
      el,
    );
    const ro = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 260 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [data, tz]);
  return <div class="chart" ref={box} data-testid="insights-chart" />;
}
