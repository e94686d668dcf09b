// A uPlot chart of series over time, drawn as stacked bars or lines; the same numbers are in
// the table each page puts beside it.
import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

const COLOURS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
  '#4b5563',
  '#65a30d',
];

/**
 * `times` are epoch seconds, `series` [{ label, values }]; with `stacked`, each series is drawn
 * on top of the ones before it.
 */
export function Chart({ label, times, series, stacked = false, height = 260 }) {
  const box = useRef(null);
  useEffect(() => {
    if (!box.current) return undefined;
    const drawn = series.map((s) => s.values.map((v) => v ?? 0));
    if (stacked)
      for (let i = 1; i < drawn.length; i++) drawn[i] = drawn[i].map((v, j) => v + drawn[i - 1][j]);
    const bars = uPlot.paths.bars({ size: [0.8, 60] });
    const opts = {
      width: box.current.clientWidth || 900,
      height,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [{}, { size: 60 }],
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.label,
          stroke: COLOURS[i % COLOURS.length],
          fill: stacked ? `${COLOURS[i % COLOURS.length]}cc` : undefined,
          width: stacked ? 0 : 2,
          paths: stacked ? bars : undefined,
          points: { show: !stacked },
          value: (_u, _v, _s, idx) => (idx == null ? '—' : String(series[i].values[idx] ?? 0)),
        })),
      ],
    };
    const data = [times, ...drawn];
    if (stacked) {
      // Drawn from the top of the stack down, so that lower series paint over upper ones.
      opts.series = [opts.series[0], ...opts.series.slice(1).reverse()];
      data.splice(1, drawn.length, ...drawn.slice().reverse());
    }
    const plot = new uPlot(opts, data, box.current);
    const resize = () => plot.setSize({ width: box.current.clientWidth, height });
    addEventListener('resize', resize);
    return () => {
      removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [times, series, stacked, height]);
  return html`<figure class="chart">
    <div ref=${box} role="img" aria-label=${label}></div>
    <figcaption class="visually-hidden">
      ${label}; the table below holds the same numbers.
    </figcaption>
  </figure>`;
}
