// Pieces every page shares: a data hook, a status line, tables, fields and the JSON viewer.
import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

/** Loads `load()` when `deps` change; answers { data, error, loading, reload }. */
export function useData(load, deps) {
  const [state, setState] = useState({ loading: true });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error) => setState({ error, loading: false }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

/** The result of the last action, announced to screen readers. */
export function Status({ status }) {
  if (!status) return html`<p class="status" role="status" aria-live="polite"></p>`;
  return html`<p
    class=${`status ${status.ok ? 'ok' : 'bad'}`}
    role=${status.ok ? 'status' : 'alert'}
  >
    ${status.text}
  </p>`;
}

/** Runs `action`, then sets a status from its result or error. */
export function useAction() {
  const [status, setStatus] = useState(undefined);
  const run = async (action, done) => {
    try {
      const result = await action();
      setStatus({ ok: true, text: done(result) });
      return result;
    } catch (error) {
      setStatus({ ok: false, text: `${error.code ? `${error.code}: ` : ''}${error.message}` });
      return undefined;
    }
  };
  return [status, run, setStatus];
}

export function Loading({ state }) {
  if (state.error)
    return html`<p class="status bad" role="alert">
      ${state.error.code ?? 'Error'}: ${state.error.message}
    </p>`;
  if (state.loading && !state.data) return html`<p aria-busy="true">Loading…</p>`;
  return null;
}

/** A labelled input; `id` ties the label to it. */
export function Field({ id, label, value, onInput, type = 'text', ...rest }) {
  return html`<label for=${id}
    >${label}
    <input
      id=${id}
      name=${id}
      type=${type}
      value=${value}
      onInput=${(e) => onInput(e.currentTarget.value)}
      ...${rest}
    />
  </label>`;
}

export function Select({ id, label, value, onInput, options }) {
  return html`<label for=${id}
    >${label}
    <select id=${id} name=${id} value=${value} onChange=${(e) => onInput(e.currentTarget.value)}>
      ${options.map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
    </select>
  </label>`;
}

/** A data table with a caption; `columns` are [header, cell(row)]. */
export function Table({ caption, columns, rows, rowKey, empty = 'Nothing to show.' }) {
  return html`<div class="table-wrap">
    <table>
      <caption>
        ${caption}
      </caption>
      <thead>
        <tr>
          ${columns.map(([h]) => html`<th scope="col">${h}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${
          rows.length === 0
            ? html`<tr>
                <td colspan=${columns.length} class="empty">${empty}</td>
              </tr>`
            : rows.map(
                (row, i) =>
                  html`<tr key=${rowKey ? rowKey(row) : i}>
                    ${columns.map(([, cell]) => html`<td>${cell(row)}</td>`)}
                  </tr>`,
              )
        }
      </tbody>
    </table>
  </div>`;
}

/** A disclosure holding pretty-printed JSON. */
export function Json({ value, label = 'JSON' }) {
  return html`<details class="json">
    <summary>${label}</summary>
    <pre tabindex="0">${JSON.stringify(value, null, 2)}</pre>
  </details>`;
}

export const time = (iso) =>
  iso
    ? new Date(iso)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, 'Z')
    : '—';

/** `<input type="datetime-local">`'s value (UTC) of a Date, and back. */
export const localValue = (date) => date.toISOString().slice(0, 16);
export const fromLocal = (value) => (value ? new Date(`${value}:00Z`).toISOString() : undefined);
