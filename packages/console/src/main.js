// The seller console: a login with the admin token, then one page per part of meterd's state,
// chosen by the address's #fragment.
import { render } from 'preact';
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api, setSession } from './api.js';
import { Login } from './pages/login.js';
import { Overview } from './pages/overview.js';
import { Usage } from './pages/usage.js';
import { Customers } from './pages/customers.js';
import { Audit } from './pages/audit.js';
import { Notifications } from './pages/notifications.js';
import { Faults } from './pages/faults.js';
import { SigningKeys } from './pages/signing-keys.js';

const PAGES = [
  ['overview', 'Overview', Overview],
  ['usage', 'Usage explorer', Usage],
  ['customers', 'Customers and agreements', Customers],
  ['audit', 'Audit', Audit],
  ['notifications', 'Notifications', Notifications],
  ['faults', 'Faults', Faults],
  ['keys', 'Signing keys', SigningKeys],
];

const current = () => {
  const name = location.hash.replace(/^#\/?/, '').split('?')[0];
  return PAGES.find(([id]) => id === name) ?? PAGES[0];
};

function App() {
  const [session, setSessionState] = useState('checking');
  const [page, setPage] = useState(current);
  const loggedOut = () => setSessionState('out');
  useEffect(() => {
    api('GET', '/console/session').then(
      ({ csrfToken }) => {
        setSession(csrfToken, loggedOut);
        setSessionState('in');
      },
      () => setSessionState('out'),
    );
    const onHash = () => setPage(current());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.title = `${page[1]} · meterd console`;
  }, [page]);

  if (session === 'checking') return html`<main id="main"><p aria-busy="true">Loading…</p></main>`;
  if (session === 'out')
    return html`<${Login}
      onLogin=${(csrfToken) => {
        setSession(csrfToken, loggedOut);
        setSessionState('in');
      }}
    />`;
  const [id, title, Page] = page;
  const logout = async () => {
    await api('DELETE', '/console/session').catch(() => {});
    setSessionState('out');
  };
  return html`
    <a
      class="skip"
      href="#main"
      onClick=${(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}
      >Skip to content</a
    >
    <header class="top">
      <span class="brand">meterd</span>
      <nav aria-label="Console pages">
        <ul>
          ${PAGES.map(([pid, name]) => html`<li><a href=${`#/${pid}`} aria-current=${pid === id ? 'page' : undefined}>${name}</a></li>`)}
        </ul>
      </nav>
      <button type="button" class="quiet" onClick=${logout}>Log out</button>
    </header>
    <main id="main" tabindex="-1" data-page=${id}>
      <h1>${title}</h1>
      <${Page} key=${id} />
    </main>
  `;
}

render(html`<${App} />`, document.getElementById('app'));
