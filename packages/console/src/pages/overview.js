// The overview: AWS calls and errors per hour over the last hours, from the audit trail (at
// most MAX_EVENTS events are read), the records metered per hour, from the usage report (the
// hourly summary: fast however many records are stored), and the latest failures.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { Chart } from '../chart.js';
import { Loading, Select, Table, time, useData } from '../ui.js';

const PAGE = 1000;
export const MAX_EVENTS = 20_000;
const HOUR = 3600_000;

async function load(hours) {
  const end = Date.now();
  const start = Math.floor((end - hours * HOUR) / HOUR) * HOUR;
  const slots = Math.ceil((end - start) / HOUR);
  const report = api(
    'GET',
    `/reports/usage${query({
      from: new Date(start).toISOString(),
      to: new Date(start + slots * HOUR).toISOString(),
      granularity: 'hour',
    })}`,
  );
  const events = [];
  let after;
  do {
    const page = await api(
      'GET',
      `/events${query({ startTime: new Date(start).toISOString(), limit: PAGE, after })}`,
    );
    events.push(...page.events);
    after = page.nextToken;
  } while (after && events.length < MAX_EVENTS);
  const calls = events.filter((e) => e.userIdentity?.type !== 'Unknown');
  const rows = Array.from({ length: slots }, (_, i) => ({
    hour: new Date(start + i * HOUR).toISOString(),
    calls: 0,
    records: 0,
    errors: 0,
  }));
  for (const e of calls) {
    const row = rows[Math.floor((Date.parse(e.eventTime) - start) / HOUR)];
    if (!row) continue;
    row.calls += 1;
    if (e.errorCode) row.errors += 1;
  }
  for (const r of (await report).rows) {
    const row = rows[Math.floor((Date.parse(r.period) - start) / HOUR)];
    if (row) row.records += Number(r.records);
  }
  const failures = calls
    .filter((e) => e.errorCode)
    .slice(-10)
    .reverse();
  return { rows, failures, partial: Boolean(after) };
}

export function Overview() {
  const [hours, setHours] = useState('24');
  const state = useData(() => load(Number(hours)), [hours]);
  const d = state.data;
  const total = (k) => (d ? d.rows.reduce((n, r) => n + r[k], 0) : 0);
  return html`
    <div class="toolbar">
      <${Select}
        id="overview-hours"
        label="Window"
        value=${hours}
        onInput=${setHours}
        options=${[
          ['6', 'Last 6 hours'],
          ['24', 'Last 24 hours'],
          ['72', 'Last 3 days'],
        ]}
      />
      <button type="button" onClick=${state.reload}>Refresh</button>
    </div>
    <${Loading} state=${state} />
    ${
      d &&
      html` <section aria-labelledby="totals-h">
          <h2 id="totals-h">Totals</h2>
          <dl
            class="totals"
            data-calls=${total('calls')}
            data-records=${total('records')}
            data-errors=${total('errors')}
          >
            <div>
              <dt>AWS calls</dt>
              <dd id="total-calls">${total('calls')}</dd>
            </div>
            <div>
              <dt>Records metered</dt>
              <dd id="total-records">${total('records')}</dd>
            </div>
            <div>
              <dt>Errors</dt>
              <dd id="total-errors">${total('errors')}</dd>
            </div>
          </dl>
          <p class="note">
            Calls and errors by the hour of the call, from the audit trail; records by the hour they
            are for, from the usage report.
          </p>
          ${d.partial && html`<p class="note">Only the first ${MAX_EVENTS} audit events of the window are counted; choose a shorter window.</p>`}
        </section>
        <section aria-labelledby="hours-h">
          <h2 id="hours-h">Per hour</h2>
          <${Chart}
            label="Calls, records and errors per hour"
            times=${d.rows.map((r) => Date.parse(r.hour) / 1000)}
            series=${[
              { label: 'Calls', values: d.rows.map((r) => r.calls) },
              { label: 'Records', values: d.rows.map((r) => r.records) },
              { label: 'Errors', values: d.rows.map((r) => r.errors) },
            ]}
          />
          <details>
            <summary>Per hour as a table</summary>
            <${Table}
              caption="Calls, records and errors per hour (UTC)"
              columns=${[
                ['Hour', (r) => time(r.hour)],
                ['Calls', (r) => r.calls],
                ['Records', (r) => r.records],
                ['Errors', (r) => r.errors],
              ]}
              rows=${d.rows.filter((r) => r.calls > 0)}
              empty="No calls in this window."
            />
          </details>
        </section>
        <section aria-labelledby="failures-h">
          <h2 id="failures-h">Latest failures</h2>
          <${Table}
            caption="The latest failed AWS calls"
            columns=${[
              ['Time', (e) => time(e.eventTime)],
              ['Operation', (e) => e.eventName],
              ['Error', (e) => html`<code>${e.errorCode}</code>`],
              ['Message', (e) => e.errorMessage ?? ''],
              [
                'Request id',
                (e) =>
                  html`<a href=${`#/audit?requestId=${encodeURIComponent(e.requestID)}`}
                    ><code>${e.requestID}</code></a
                  >`,
              ],
            ]}
            rows=${d.failures}
            rowKey=${(e) => e.eventID}
            empty="No failed calls in this window."
          />
        </section>`
    }
  `;
}
