// Faults: the fault rules in force; one switched on here hits the next matching AWS call, and
// switched off is removed.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field, Json, Loading, Select, Status, Table, useAction, useData } from '../ui.js';

const OPERATIONS = [
  '',
  'MeterUsage',
  'BatchMeterUsage',
  'RegisterUsage',
  'ResolveCustomer',
  'GetEntitlements',
];
const ERRORS = [
  ['InternalServiceErrorException', 500],
  ['ThrottlingException', 400],
  ['ServiceUnavailableException', 503],
  ['InvalidProductCodeException', 400],
  ['CustomerNotEntitledException', 400],
];

const effectOf = (r) =>
  r.error?.code ??
  (r.dropConnection
    ? 'drop connection'
    : r.unprocessedShare !== undefined
      ? `unprocessed share ${r.unprocessedShare}`
      : r.latencyMs
        ? `${r.latencyMs} ms latency`
        : 'no effect');
const describe = (r) =>
  `${effectOf(r)} on ${r.operation ?? 'every operation'}${r.productCode ? ` of ${r.productCode}` : ''}`;

export function Faults() {
  const rules = useData(() => api('GET', '/faults'), []);
  const [operation, setOperation] = useState('MeterUsage');
  const [error, setError] = useState(ERRORS[0][0]);
  const [productCode, setProductCode] = useState('');
  const [probability, setProbability] = useState('1');
  const [times, setTimes] = useState('');
  const [status, run] = useAction();
  const add = (e) => {
    e.preventDefault();
    const statusCode = ERRORS.find(([c]) => c === error)?.[1] ?? 500;
    const rule = {
      ...(operation ? { operation } : {}),
      ...(productCode ? { productCode } : {}),
      probability: Number(probability),
      error: { code: error, statusCode },
      ...(times ? { times: Number(times) } : {}),
    };
    run(
      () => api('PATCH', '/faults', [rule]),
      () => `Switched on: ${error} for ${operation || 'every operation'}.`,
    ).then(rules.reload);
  };
  // Removes the rules equal to `r` (LocalStack's DELETE verb): a rule needs no id for it.
  const off = (r) =>
    run(
      () => api('DELETE', '/faults', [r]),
      () => `Switched off: ${describe(r)}.`,
    ).then(rules.reload);
  const list = Array.isArray(rules.data) ? rules.data : (rules.data?.rules ?? []);
  return html`
    <form class="card" onSubmit=${add} aria-labelledby="fault-h">
      <h2 id="fault-h">Switch a fault on</h2>
      <div class="toolbar">
        <${Select}
          id="fault-operation"
          label="Operation"
          value=${operation}
          onInput=${setOperation}
          options=${OPERATIONS.map((o) => [o, o || 'Any operation'])}
        />
        <${Select}
          id="fault-error"
          label="Error"
          value=${error}
          onInput=${setError}
          options=${ERRORS.map(([c]) => [c, c])}
        />
        <${Field}
          id="fault-product"
          label="Product code (any if empty)"
          value=${productCode}
          onInput=${setProductCode}
        />
        <${Field}
          id="fault-probability"
          label="Probability"
          type="number"
          min="0"
          max="1"
          step="0.05"
          value=${probability}
          onInput=${setProbability}
        />
        <${Field}
          id="fault-times"
          label="Times (unlimited if empty)"
          type="number"
          min="1"
          value=${times}
          onInput=${setTimes}
        />
        <button type="submit">Switch on</button>
      </div>
    </form>
    <${Status} status=${status} />
    <${Loading} state=${rules} />
    ${
      rules.data &&
      html`<${Table}
        caption="Fault rules in force"
        rowKey=${(r) => JSON.stringify(r)}
        columns=${[
          ['Id', (r) => (r.id ? html`<code>${r.id}</code>` : '—')],
          ['Operation', (r) => r.operation ?? 'any'],
          ['Product', (r) => r.productCode ?? 'any'],
          ['Effect', effectOf],
          ['Probability', (r) => r.probability ?? 1],
          ['Times', (r) => r.times ?? 'unlimited'],
          ['Rule', (r) => html`<${Json} value=${r} label="Rule as JSON" />`],
          [
            '',
            (r) =>
              html`<button
                type="button"
                class="danger"
                onClick=${() => off(r)}
                aria-label=${`Switch off ${describe(r)}`}
              >
                Switch off
              </button>`,
          ],
        ]}
        rows=${list}
        empty="No fault rule: every call is served normally."
      />`
    }
  `;
}
