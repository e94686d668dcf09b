// The forwarder's status page (`meterd forward` serves it at /status): its hours by state (open,
// frozen, accepted, dead-lettered) and its dead letters, read from its /v1/ API with the
// forwarder token. The token stays in this page's memory: no cookie, so no change can be sent
// by another site, and a reload asks for it again.
import { render } from 'preact';
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { Chart } from './chart.js';
import { Loading, Status, Table, time, useAction, useData } from './ui.js';

const HOUR = 3600_000;
export const STATES = ['open', 'frozen', 'accepted', 'dead-lettered'];

function client(token) {
  return async (method, path) => {
    const response = await fetch(path, { method, headers: { authorization: `Bearer ${token}` } });
    const body = await response.json();
    if (!response.ok) {
      const error = new Error(body.error?.message ?? `HTTP ${response.status}`);
      error.code = body.error?.code;
      error.status = response.status;
      throw error;
    }
    return body;
  };
}

/** One line per hour: the buckets and the quantity in each state. */
export function hoursByState(rows) {
  const hours = new Map();
  for (const r of rows) {
    let h = hours.get(r.hour);
    if (!h) {
      h = {
        hour: r.hour,
        ...Object.fromEntries(
          STATES.flatMap((s) => [
            [s, 0],
            [`${s}Quantity`, 0],
          ]),
        ),
      };
      hours.set(r.hour, h);
    }
    h[r.state] += 1;
    h[`${r.state}Quantity`] += r.ingested;
  }
  return [...hours.values()].sort((a, b) => (a.hour < b.hour ? -1 : 1));
}

function Login({ onLogin }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    try {
      await client(token)('GET', '/v1/dead-letters?limit=1');
      onLogin(token);
    } catch (err) {
      setError(err.status === 401 ? 'That is not the forwarder token.' : err.message);
    }
  };
  return html`<main id="main" class="login">
    <h1>meterd forward</h1>
    <form onSubmit=${submit}>
      <p>Log in with the forwarder token (the one its API takes as a bearer token).</p>
      <label for="token"
        >Forwarder token
        <input
          id="token"
          type="password"
          required
          value=${token}
          onInput=${(e) => setToken(e.currentTarget.value)}
      /></label>
      <button type="submit">Log in</button>
      ${error && html`<p class="status bad" role="alert">${error}</p>`}
    </form>
  </main>`;
}

function StatusPage({ call }) {
  const state = useData(async () => {
    const from = new Date(Math.floor(Date.now() / HOUR) * HOUR - 47 * HOUR).toISOString();
    const [{ rows }, { deadLetters }] = await Promise.all([
      call('GET', `/v1/reconciliation?from=${encodeURIComponent(from)}`),
      call('GET', '/v1/dead-letters?limit=200'),
    ]);
    const hours = hoursByState(rows);
    // Every hour of the 48 on the chart, so that quiet hours show as gaps.
    const grid = Array.from({ length: 48 }, (_, i) => Date.parse(from) + i * HOUR);
    const byHour = new Map(hours.map((h) => [Date.parse(h.hour), h]));
    return { hours, deadLetters, grid, byHour };
  }, []);
  const [status, run] = useAction();
  const retry = (d) =>
    run(
      () => call('POST', `/v1/dead-letters/${encodeURIComponent(d.id)}/retry`),
      () => `Dead letter ${d.id} is sent again.`,
    ).then(state.reload);
  const d = state.data;
  return html`<header class="top"><span class="brand">meterd forward</span></header>
    <main id="main" tabindex="-1" data-page="forwarder">
      <h1>Forwarder status</h1>
      <div class="toolbar"><button type="button" onClick=${state.reload}>Refresh</button></div>
      <${Loading} state=${state} />
      ${
        d &&
        html`<section aria-labelledby="hours-h">
            <h2 id="hours-h">Hours by state, the last 48</h2>
            <${Chart}
              label="Buckets per hour by state"
              stacked
              times=${d.grid.map((t) => t / 1000)}
              series=${STATES.map((s) => ({
                label: s,
                values: d.grid.map((t) => d.byHour.get(t)?.[s] ?? 0),
              }))}
            />
            <div data-hours=${JSON.stringify(d.hours)}>
              <${Table}
                caption="Buckets (hour × product × customer × dimension) and their quantity, per hour and state"
                rowKey=${(h) => h.hour}
                columns=${[
                  ['Hour', (h) => time(h.hour)],
                  ...STATES.map((s) => [s, (h) => (h[s] ? `${h[s]} (${h[`${s}Quantity`]})` : '0')]),
                ]}
                rows=${d.hours}
                empty="No usage in the last 48 hours."
              />
            </div>
          </section>
          <section aria-labelledby="dead-h">
            <h2 id="dead-h">Dead letters</h2>
            <${Status} status=${status} />
            <${Table}
              caption="What was not billed, and why"
              rowKey=${(x) => x.id}
              columns=${[
                ['Id', (x) => html`<code>${x.id}</code>`],
                ['Hour', (x) => time(x.hour)],
                ['Product', (x) => x.productCode ?? ''],
                ['Customer', (x) => x.customerAWSAccountId ?? x.customerIdentifier ?? ''],
                ['Dimension', (x) => x.dimension],
                ['Quantity', (x) => x.quantity],
                ['Reason', (x) => x.reason],
                [
                  '',
                  (x) =>
                    html`<button
                      type="button"
                      onClick=${() => retry(x)}
                      aria-label=${`Retry ${x.id}`}
                    >
                      Retry
                    </button>`,
                ],
              ]}
              rows=${d.deadLetters}
              empty="No dead letter: everything was billed or is on its way."
            />
          </section>`
      }
    </main>`;
}

function App() {
  const [token, setToken] = useState(undefined);
  return token
    ? html`<${StatusPage} call=${client(token)} />`
    : html`<${Login} onLogin=${setToken} />`;
}

render(html`<${App} />`, document.getElementById('app'));
