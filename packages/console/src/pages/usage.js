// The usage explorer: quantities per hour or day, stacked by dimension or customer, from the
// usage report of the admin API.
import { html } from 'htm/preact';

export function Usage() {
  return html`<p>Loading the usage report…</p>`;
}
