// The login: the admin token, exchanged for a session cookie; the token is not kept.
import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../api.js';

export function Login({ onLogin }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    try {
      const { csrfToken } = await api('POST', '/console/session', { token });
      setToken('');
      onLogin(csrfToken);
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<main id="main" class="login">
    <h1>meterd console</h1>
    <form onSubmit=${submit} aria-describedby="login-help">
      <p id="login-help">
        Log in with the admin token (the one the admin API takes as a bearer token).
      </p>
      <label for="token"
        >Admin token
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          value=${token}
          onInput=${(e) => setToken(e.currentTarget.value)}
        />
      </label>
      <button type="submit">Log in</button>
      ${error && html`<p class="status bad" role="alert">${error}</p>`}
    </form>
  </main>`;
}
