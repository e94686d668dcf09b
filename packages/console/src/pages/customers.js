// Customers and agreements: every agreement, searched and paged in the page; subscribe a
// buyer through the fulfillment URL, mint a registration token, suspend, unsubscribe,
// reactivate and edit entitlements, each through the admin API (and so the catalog service,
// which sends the lifecycle notifications).
import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field, Json, Loading, Select, Status, Table, time, useAction, useData } from '../ui.js';

const PAGE_SIZE = 50;

async function load() {
  const [{ agreements }, { products }, { accounts }] = await Promise.all([
    api('GET', '/agreements'),
    api('GET', '/products'),
    api('GET', '/accounts'),
  ]);
  return { agreements, products, names: new Map(accounts.map((a) => [a.accountId, a.name])) };
}

/** A SaaS product and a buyer's account id, as both forms ask for them. */
function BuyerFields({ id, saas, productCode, setProduct, customer, setCustomer }) {
  return html`<${Select}
      id=${`${id}-product`}
      label="SaaS product"
      value=${productCode}
      onInput=${setProduct}
      options=${saas.map((p) => [p.productCode, p.productCode])}
    />
    <${Field}
      id=${`${id}-customer`}
      label="Buyer account id"
      value=${customer}
      onInput=${setCustomer}
      required
      pattern="\\d{12}"
      inputmode="numeric"
      placeholder="222222222222"
    />`;
}

function Subscribe({ products, onDone }) {
  const saas = products.filter((p) => p.type === 'saas');
  const [productCode, setProduct] = useState(saas[0]?.productCode ?? '');
  const [customer, setCustomer] = useState('');
  const [url, setUrl] = useState('');
  const [freeTrial, setFreeTrial] = useState(false);
  const [failPayment, setFailPayment] = useState(false);
  const [status, run] = useAction();
  const [result, setResult] = useState(undefined);
  const submit = async (e) => {
    e.preventDefault();
    setResult(undefined);
    // A failed payment subscribes nobody: the agreement is kept suspended, subscribe-fail is
    // sent, and nothing is posted to the fulfillment URL (as `meterd subscribe --fail-payment`).
    const done = await run(
      failPayment
        ? () =>
            api('POST', '/agreements', {
              productCode,
              customerAWSAccountId: customer,
              failPayment: true,
            })
        : () =>
            api('POST', '/subscriptions', {
              productCode,
              customerAWSAccountId: customer,
              ...(url ? { fulfillmentUrl: url } : {}),
              ...(freeTrial ? { freeTrial } : {}),
            }),
      (r) =>
        failPayment
          ? `The payment failed: ${r.customerAWSAccountId} is suspended on ${r.productCode}, and subscribe-fail was sent.`
          : `Subscribed: the fulfillment URL ${r.fulfillmentUrl} answered HTTP ${r.status}.`,
    );
    if (done) {
      setResult(done);
      onDone();
    }
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="subscribe-h">
    <h2 id="subscribe-h">Subscribe a buyer</h2>
    <p class="note">
      As AWS Marketplace does: a registration token is minted and posted to the product's
      fulfillment URL; if the site refuses it, the new agreement is deleted again.
    </p>
    <${BuyerFields}
      id="subscribe"
      saas=${saas}
      productCode=${productCode}
      setProduct=${setProduct}
      customer=${customer}
      setCustomer=${setCustomer}
    />
    <${Field}
      id="subscribe-url"
      label="Fulfillment URL (default: the product's)"
      value=${url}
      onInput=${setUrl}
      type="url"
    />
    <label class="check" for="subscribe-trial"
      ><input
        id="subscribe-trial"
        type="checkbox"
        checked=${freeTrial}
        onChange=${(e) => setFreeTrial(e.currentTarget.checked)}
      />
      Free trial</label
    >
    <label class="check" for="subscribe-fail"
      ><input
        id="subscribe-fail"
        type="checkbox"
        checked=${failPayment}
        onChange=${(e) => setFailPayment(e.currentTarget.checked)}
      />
      The payment fails (subscribe-fail; nothing posted)</label
    >
    <button type="submit">Subscribe</button>
    <${Status} status=${status} />
    ${result && html`<${Json} value=${result} label="What the fulfillment site was sent and answered" />`}
  </form>`;
}

function MintToken({ products }) {
  const saas = products.filter((p) => p.type === 'saas');
  const [productCode, setProduct] = useState(saas[0]?.productCode ?? '');
  const [customer, setCustomer] = useState('');
  const [status, run] = useAction();
  const submit = (e) => {
    e.preventDefault();
    run(
      () => api('POST', '/registration-tokens', { productCode, customerAWSAccountId: customer }),
      (t) =>
        `Token for ${t.customerAWSAccountId} (expires ${time(t.expiresAt)}): ${t.registrationToken}`,
    );
  };
  return html`<form class="card" onSubmit=${submit} aria-labelledby="mint-h">
    <h2 id="mint-h">Mint a registration token</h2>
    <${BuyerFields}
      id="mint"
      saas=${saas}
      productCode=${productCode}
      setProduct=${setProduct}
      customer=${customer}
      setCustomer=${setCustomer}
    />
    <button type="submit">Mint token</button>
    <${Status} status=${status} />
  </form>`;
}

function Entitlements({ agreement, onDone, onClose }) {
  const [text, setText] = useState(JSON.stringify(agreement.entitlements ?? [], null, 2));
  const [status, run] = useAction();
  const save = async (e) => {
    e.preventDefault();
    let entitlements;
    try {
      entitlements = JSON.parse(text);
    } catch {
      run(
        () => Promise.reject(new Error('The entitlements are not valid JSON.')),
        () => '',
      );
      return;
    }
    const done = await run(
      () =>
        api('PUT', `/agreements/${encodeURIComponent(agreement.licenseArn)}/entitlements`, {
          entitlements,
        }),
      (r) => `Saved ${r.entitlements.length} entitlement(s).`,
    );
    if (done) onDone();
  };
  return html`<form class="card" onSubmit=${save} aria-labelledby="ent-h">
    <h2 id="ent-h">
      Entitlements of ${agreement.customerAWSAccountId} for ${agreement.productCode}
    </h2>
    <label for="ent-json"
      >Entitlements (JSON list of { dimension, value kind, expirationDate })
      <textarea
        id="ent-json"
        rows="8"
        value=${text}
        onInput=${(e) => setText(e.currentTarget.value)}
      />
    </label>
    <div class="row">
      <button type="submit">Save entitlements</button>
      <button type="button" class="quiet" onClick=${onClose}>Close</button>
    </div>
    <${Status} status=${status} />
  </form>`;
}

export function Customers() {
  const state = useData(load, []);
  const [search, setSearch] = useState('');
  const [statusFilter, setStatusFilter] = useState('');
  const [page, setPage] = useState(0);
  const [editing, setEditing] = useState(undefined);
  const [status, run] = useAction();
  const d = state.data;
  const found = useMemo(() => {
    if (!d) return [];
    const s = search.trim().toLowerCase();
    return d.agreements.filter(
      (a) =>
        (!statusFilter || a.status === statusFilter) &&
        (!s ||
          a.customerAWSAccountId.includes(s) ||
          a.productCode.toLowerCase().includes(s) ||
          a.licenseArn.toLowerCase().includes(s) ||
          (d.names.get(a.customerAWSAccountId) ?? '').toLowerCase().includes(s)),
    );
  }, [d, search, statusFilter]);
  const pages = Math.max(1, Math.ceil(found.length / PAGE_SIZE));
  const shown = found.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const setStatusOf = (a, next) =>
    run(
      () => api('PATCH', `/agreements/${encodeURIComponent(a.licenseArn)}`, { status: next }),
      () => `${a.customerAWSAccountId} on ${a.productCode} is now ${next}.`,
    ).then(state.reload);
  const customers = d ? new Set(d.agreements.map((a) => a.customerAWSAccountId)).size : 0;

  return html`
    <${Loading} state=${state} />
    ${
      d &&
      html` <div class="grid2">
          <${Subscribe} products=${d.products} onDone=${state.reload} />
          <${MintToken} products=${d.products} />
        </div>
        ${editing && html`<${Entitlements} agreement=${editing} onDone=${state.reload} onClose=${() => setEditing(undefined)} />`}
        <section aria-labelledby="agreements-h">
          <h2 id="agreements-h">
            Agreements
            <span class="count">${d.agreements.length} agreements, ${customers} customers</span>
          </h2>
          <div class="toolbar" role="search">
            <${Field}
              id="agreements-search"
              label="Search (account id, name, product, ARN)"
              value=${search}
              type="search"
              onInput=${(v) => {
                setSearch(v);
                setPage(0);
              }}
            />
            <${Select}
              id="agreements-status"
              label="Status"
              value=${statusFilter}
              onInput=${(v) => {
                setStatusFilter(v);
                setPage(0);
              }}
              options=${[
                ['', 'Any'],
                ['active', 'Active'],
                ['suspended', 'Suspended'],
                ['unsubscribed', 'Unsubscribed'],
              ]}
            />
          </div>
          <${Status} status=${status} />
          <${Table}
            caption=${`Agreements ${found.length === 0 ? 0 : page * PAGE_SIZE + 1}–${page * PAGE_SIZE + shown.length} of ${found.length}`}
            rowKey=${(a) => a.licenseArn}
            columns=${[
              [
                'Customer',
                (a) =>
                  html`<code>${a.customerAWSAccountId}</code
                    ><span class="who">${d.names.get(a.customerAWSAccountId) ?? ''}</span>`,
              ],
              ['Product', (a) => a.productCode],
              ['Status', (a) => html`<span class=${`badge ${a.status}`}>${a.status}</span>`],
              ['Started', (a) => time(a.startedAt)],
              ['Entitlements', (a) => (a.entitlements ?? []).length],
              [
                'Actions',
                (a) =>
                  html`<div class="actions">
                    ${
                      a.status !== 'suspended' &&
                      a.status !== 'unsubscribed' &&
                      html`<button
                        type="button"
                        onClick=${() => setStatusOf(a, 'suspended')}
                        aria-label=${`Suspend ${a.customerAWSAccountId} on ${a.productCode}`}
                      >
                        Suspend
                      </button>`
                    }
                    ${
                      a.status !== 'unsubscribed' &&
                      html`<button
                        type="button"
                        class="danger"
                        onClick=${() => setStatusOf(a, 'unsubscribed')}
                        aria-label=${`Unsubscribe ${a.customerAWSAccountId} from ${a.productCode}`}
                      >
                        Unsubscribe
                      </button>`
                    }
                    ${
                      a.status !== 'active' &&
                      html`<button
                        type="button"
                        onClick=${() => setStatusOf(a, 'active')}
                        aria-label=${`Reactivate ${a.customerAWSAccountId} on ${a.productCode}`}
                      >
                        Reactivate
                      </button>`
                    }
                    <button
                      type="button"
                      class="quiet"
                      onClick=${() => setEditing(a)}
                      aria-label=${`Edit entitlements of ${a.customerAWSAccountId} on ${a.productCode}`}
                    >
                      Entitlements
                    </button>
                  </div>`,
              ],
            ]}
            rows=${shown}
            empty="No agreement matches."
          />
          <nav class="pager" aria-label="Agreement pages">
            <button type="button" disabled=${page === 0} onClick=${() => setPage(page - 1)}>
              Previous
            </button>
            <span>Page ${page + 1} of ${pages}</span>
            <button type="button" disabled=${page + 1 >= pages} onClick=${() => setPage(page + 1)}>
              Next
            </button>
          </nav>
        </section>`
    }
  `;
}
