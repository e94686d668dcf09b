// Notifications: the targets lifecycle messages go to, and the delivery log of every message.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { Json, Loading, Select, Status, Table, time, useAction, useData } from '../ui.js';

export function Notifications() {
  const targets = useData(() => api('GET', '/notification-targets'), []);
  const [status, setStatus] = useState('');
  const [after, setAfter] = useState(undefined);
  const log = useData(
    () => api('GET', `/notifications${query({ status, limit: 100, after })}`),
    [status, after],
  );
  const [result, run] = useAction();
  const remove = (t) =>
    run(
      () => api('DELETE', `/notification-targets/${encodeURIComponent(t.id)}`),
      () => `Removed target ${t.id}.`,
    ).then(targets.reload);
  return html`
    <section aria-labelledby="targets-h">
      <h2 id="targets-h">Targets</h2>
      <${Loading} state=${targets} />
      <${Status} status=${result} />
      ${
        targets.data &&
        html`<${Table}
          caption="Where lifecycle notifications are delivered"
          rowKey=${(t) => t.id}
          columns=${[
            ['Id', (t) => html`<code>${t.id}</code>`],
            ['Type', (t) => t.type],
            ['Topic', (t) => t.topic],
            ['Product', (t) => t.productCode ?? 'every product'],
            [
              'Endpoint',
              (t) => html`<code>${t.config?.endpoint ?? t.config?.queueUrl ?? ''}</code>`,
            ],
            ['State', (t) => t.state],
            ['Details', (t) => html`<${Json} value=${t} label=${`Target ${t.id}`} />`],
            [
              '',
              (t) =>
                html`<button
                  type="button"
                  class="danger"
                  onClick=${() => remove(t)}
                  aria-label=${`Remove target ${t.id}`}
                >
                  Remove
                </button>`,
            ],
          ]}
          rows=${targets.data.notificationTargets}
          empty="No notification target: add one in the catalog or with the admin API."
        />`
      }
    </section>
    <section aria-labelledby="log-h">
      <h2 id="log-h">Delivery log</h2>
      <div class="toolbar">
        <${Select}
          id="log-status"
          label="Status"
          value=${status}
          onInput=${(v) => {
            setStatus(v);
            setAfter(undefined);
          }}
          options=${[
            ['', 'Any'],
            ['pending', 'Pending'],
            ['delivered', 'Delivered'],
            ['failed', 'Failed'],
            ['dropped', 'Dropped'],
          ]}
        />
        <button type="button" onClick=${log.reload}>Refresh</button>
      </div>
      <${Loading} state=${log} />
      ${
        log.data &&
        html`<${Table}
            caption="Messages, oldest first"
            rowKey=${(m) => m.messageId}
            columns=${[
              ['Created', (m) => time(m.createdAt)],
              ['Target', (m) => html`<code>${m.targetId}</code>`],
              ['Topic', (m) => m.topic],
              ['Product', (m) => m.productCode],
              ['Status', (m) => html`<span class=${`badge ${m.status}`}>${m.status}</span>`],
              ['Attempts', (m) => m.attempts],
              ['Last error', (m) => m.lastError ?? ''],
              [
                'Message',
                (m) => html`<${Json} value=${m.body} label=${`Message ${m.messageId}`} />`,
              ],
            ]}
            rows=${log.data.notifications}
            empty="No message yet."
          />
          ${log.data.nextToken && html`<button type="button" onClick=${() => setAfter(log.data.nextToken)}>Next page</button>`}`
      }
    </section>
  `;
}
