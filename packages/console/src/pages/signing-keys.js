// Signing keys: the keys that sign RegisterUsage answers, and their rotation.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { Field, Loading, Status, Table, time, useAction, useData } from '../ui.js';

export function SigningKeys() {
  const keys = useData(() => api('GET', '/signing-keys'), []);
  const [grace, setGrace] = useState('86400');
  const [status, run] = useAction();
  const rotate = (e) => {
    e.preventDefault();
    run(
      () => api('POST', '/signing-keys/rotate', { previousKeyGraceSeconds: Number(grace) }),
      (k) => `Rotated: key version ${k.version} now signs.`,
    ).then(keys.reload);
  };
  return html`
    <form class="card toolbar" onSubmit=${rotate} aria-labelledby="rotate-h">
      <h2 id="rotate-h" class="visually-hidden">Rotate</h2>
      <${Field}
        id="rotate-grace"
        label="Previous key stays valid for (seconds)"
        type="number"
        min="0"
        value=${grace}
        onInput=${setGrace}
      />
      <button type="submit">Rotate signing key</button>
    </form>
    <${Status} status=${status} />
    <${Loading} state=${keys} />
    ${
      keys.data &&
      html`<${Table}
        caption="Signing keys, as /.well-known/jwks.json publishes them"
        rowKey=${(k) => k.version}
        columns=${[
          ['Version', (k) => k.version],
          ['Created', (k) => time(k.createdAt)],
          ['Expires', (k) => (k.expiresAt ? time(k.expiresAt) : 'never (signing)')],
          [
            'Public key',
            (k) =>
              html`<details>
                <summary>PEM</summary>
                <pre tabindex="0">${k.publicKeyPem}</pre>
              </details>`,
          ],
        ]}
        rows=${keys.data.keys}
      />`
    }
  `;
}
