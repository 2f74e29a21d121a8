// @ts-check
/**
 * The last hour as three uPlot charts (latency, failed share, fallbacks) over `GET /admin/v1/timeline`.
 * uPlot ships with the gateway (`/dashboard/vendor/uPlot.esm.js`, from the package's own dependency).
 */
// @ts-expect-error served at /dashboard/vendor/ from the uplot package (see src/server/routes/dashboard.ts)
import uPlot from './vendor/uPlot.esm.js';

const AXIS = {
  stroke: '#9aa7b4',
  grid: { stroke: '#2a3440', width: 1 },
  ticks: { stroke: '#2a3440', width: 1 },
};

/**
 * @param {string} label
 * @param {string} color
 * @param {boolean} [fill]
 */
function series(label, color, fill = false) {
  return { label, stroke: color, width: 1.5, spanGaps: false, ...(fill ? { fill: `${color}33` } : {}) };
}

const CHARTS = [
  {
    id: 'chart-latency',
    series: [series('p50 ms', '#5aa9ff'), series('p95 ms', '#d29922')],
    /** @param {any} p */ values: (p) => [p.p50Ms, p.p95Ms],
  },
  {
    id: 'chart-errors',
    series: [series('failed %', '#f85149', true)],
    /** @param {any} p */ values: (p) => [p.requests > 0 ? (100 * p.failed) / p.requests : null],
  },
  {
    id: 'chart-fallbacks',
    series: [series('fallbacks', '#a371f7', true)],
    /** @param {any} p */ values: (p) => [p.fallbacks],
  },
];

/** The x range: the hour up to now (seconds), whatever the data covers. */
const lastHour = () => {
  const now = Date.now() / 1000;
  return /** @type {[number, number]} */ ([now - 3600, now]);
};

export class TimelineCharts {
  constructor() {
    /** @type {Map<string, any>} */
    this.plots = new Map();
    this.resize = new ResizeObserver(() => this.fit());
  }

  /** @param {any[]} points timeline points, oldest first */
  update(points) {
    const xs = points.map((p) => Math.floor(p.at / 1000));
    for (const c of CHARTS) {
      const node = /** @type {HTMLElement} */ (document.getElementById(c.id));
      /** @type {(number | null)[][]} */
      const columns = c.series.map(() => []);
      for (const p of points) {
        const values = c.values(p);
        for (let i = 0; i < values.length; i++) columns[i].push(values[i]);
      }
      const data = [xs, ...columns];
      const plot = this.plots.get(c.id);
      if (plot) {
        plot.setData(data);
        continue;
      }
      if (node.clientWidth === 0) continue; // hidden: drawn when its view is shown
      node.replaceChildren();
      this.plots.set(
        c.id,
        new uPlot(
          {
            width: node.clientWidth,
            height: 180,
            legend: { show: true },
            cursor: { drag: { x: false, y: false } },
            scales: { x: { time: true, range: lastHour } },
            axes: [{ ...AXIS }, { ...AXIS, size: 48 }],
            series: [{}, ...c.series],
          },
          data,
          node,
        ),
      );
      this.resize.observe(node);
    }
  }

  /** Fits every chart to its container's width. */
  fit() {
    for (const [id, plot] of this.plots) {
      const node = document.getElementById(id);
      if (node && node.clientWidth > 0 && node.clientWidth !== plot.width)
        plot.setSize({ width: node.clientWidth, height: 180 });
    }
  }
}
