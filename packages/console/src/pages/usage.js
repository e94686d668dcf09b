// The usage explorer: billed quantity per hour or day, stacked by dimension or customer, for a
// product, customer, dimension and time range, from the usage report
// (GET /admin/v1/reports/usage). The table beside the chart holds the report's rows as answered,
// and the CSV download is the same report as CSV: exactly what is shown.
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { Chart } from '../chart.js';
import { hashParams, setHashParams } from '../hash.js';
import { Field, Loading, Select, Table, localValue, time, useData } from '../ui.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const STACKS = { dimension: 'dimension', customer: 'customerAWSAccountId' };

/** A datetime-local value (UTC) as the whole hour it falls in, ISO-8601. */
const hourOf = (value) =>
  new Date(Math.floor(Date.parse(`${value}:00Z`) / HOUR) * HOUR).toISOString();

/** The report's query parameters for the filters shown. */
export function reportQuery(f) {
  const from = hourOf(f.from);
  let to = hourOf(f.to);
  if (to <= from) to = new Date(Date.parse(from) + HOUR).toISOString();
  return {
    from,
    to,
    granularity: f.granularity,
    groupBy: f.stack,
    productCode: f.productCode,
    customerAWSAccountId: f.customer.trim(),
    dimension: f.dimension.trim(),
  };
}

function defaults() {
  const p = hashParams();
  const top = Math.floor(Date.now() / HOUR) * HOUR + HOUR;
  return {
    productCode: p.get('productCode') ?? '',
    customer: p.get('customerAWSAccountId') ?? '',
    dimension: p.get('dimension') ?? '',
    from: p.get('from') ? localValue(new Date(p.get('from'))) : localValue(new Date(top - DAY)),
    to: p.get('to') ? localValue(new Date(p.get('to'))) : localValue(new Date(top)),
    granularity: p.get('granularity') ?? 'hour',
    stack: p.get('groupBy') ?? 'dimension',
  };
}

/** The chart's periods (every one in the range, so that gaps show) and one series per group. */
function chartOf(report, q) {
  const step = q.granularity === 'day' ? DAY : HOUR;
  const start = Math.floor(Date.parse(q.from) / step) * step;
  const times = [];
  for (let t = start; t < Date.parse(q.to) && times.length < 2000; t += step) times.push(t / 1000);
  const index = new Map(times.map((t, i) => [t, i]));
  const field = STACKS[q.groupBy];
  const groups = new Map();
  for (const row of report.rows) {
    const key = row[field] ?? '';
    if (!groups.has(key)) groups.set(key, new Array(times.length).fill(0));
    const i = index.get(Date.parse(row.period) / 1000);
    if (i !== undefined) groups.get(key)[i] += Number(row.quantity);
  }
  return {
    times,
    series: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([label, values]) => ({ label: label || '(none)', values })),
  };
}

export function Usage() {
  const products = useData(() => api('GET', '/products'), []);
  const [filters, setFilters] = useState(defaults);
  const [shown, setShown] = useState(() => reportQuery(filters));
  const report = useData(
    () => api('GET', `/reports/usage${query(shown)}`),
    [JSON.stringify(shown)],
  );
  const set = (k) => (v) => setFilters((f) => ({ ...f, [k]: v }));
  const apply = (e) => {
    e.preventDefault();
    const q = reportQuery(filters);
    setHashParams(q);
    setShown(q);
  };
  const chart = useMemo(
    () => (report.data ? chartOf(report.data, shown) : undefined),
    [report.data],
  );
  const dimensions =
    (products.data?.products ?? []).find((p) => p.productCode === filters.productCode)
      ?.dimensions ?? [];
  const field = STACKS[shown.groupBy];
  const total = report.data ? report.data.rows.reduce((n, r) => n + Number(r.quantity), 0) : 0;

  return html`
    <form class="toolbar" role="search" aria-label="Usage report" onSubmit=${apply}>
      <${Select}
        id="usage-product"
        label="Product"
        value=${filters.productCode}
        onInput=${set('productCode')}
        options=${[['', 'Every product'], ...(products.data?.products ?? []).map((p) => [p.productCode, p.productCode])]}
      />
      <${Field}
        id="usage-customer"
        label="Customer account id"
        value=${filters.customer}
        onInput=${set('customer')}
        inputmode="numeric"
      />
      <${Field}
        id="usage-dimension"
        label="Dimension"
        value=${filters.dimension}
        onInput=${set('dimension')}
        list="usage-dimensions"
      />
      <datalist id="usage-dimensions">
        ${dimensions.map((d) => html`<option value=${d} />`)}
      </datalist>
      <${Field}
        id="usage-from"
        label="From (UTC)"
        type="datetime-local"
        value=${filters.from}
        onInput=${set('from')}
        required
      />
      <${Field}
        id="usage-to"
        label="To (UTC)"
        type="datetime-local"
        value=${filters.to}
        onInput=${set('to')}
        required
      />
      <${Select}
        id="usage-granularity"
        label="Per"
        value=${filters.granularity}
        onInput=${set('granularity')}
        options=${[
          ['hour', 'Hour'],
          ['day', 'Day'],
        ]}
      />
      <${Select}
        id="usage-stack"
        label="Stacked by"
        value=${filters.stack}
        onInput=${set('stack')}
        options=${[
          ['dimension', 'Dimension'],
          ['customer', 'Customer'],
        ]}
      />
      <button type="submit">Show</button>
      <a
        class="button"
        href=${`/admin/v1/reports/usage${query({ ...shown, format: 'csv' })}`}
        download
        >Download CSV</a
      >
    </form>
    <${Loading} state=${report} />
    ${
      report.data &&
      chart &&
      html` <p class="note" id="usage-summary" data-query=${JSON.stringify(shown)}>
          ${`${report.data.rows.length} row(s), quantity ${total}, from ${time(shown.from)} to ${time(shown.to)} per ${shown.granularity}.`}
        </p>
        <${Chart}
          label=${`Quantity per ${shown.granularity}, stacked by ${shown.groupBy}`}
          stacked
          times=${chart.times}
          series=${chart.series}
        />
        <div data-report=${JSON.stringify(report.data.rows)}>
          <${Table}
            caption=${`The report's rows: quantity and records per ${shown.granularity} and ${shown.groupBy}`}
            columns=${[
              ['Period', (r) => time(r.period)],
              [shown.groupBy === 'customer' ? 'Customer' : 'Dimension', (r) => r[field] ?? ''],
              ['Quantity', (r) => r.quantity],
              ['Records', (r) => r.records],
            ]}
            rows=${report.data.rows}
            empty="No usage matches."
          />
        </div>`
    }
  `;
}
