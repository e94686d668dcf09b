// Audit: the CloudTrail events of every AWS call and admin change, searched by event name,
// account, request id and time, each with its CloudTrail JSON.
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { hashParams, setHashParams } from '../hash.js';
import { Field, Json, Status, Table, fromLocal, time } from '../ui.js';

const PAGE = 50;

export function Audit() {
  const initial = hashParams();
  const [filter, setFilter] = useState({
    eventName: initial.get('eventName') ?? '',
    accountId: initial.get('accountId') ?? '',
    requestId: initial.get('requestId') ?? '',
    startTime: '',
    endTime: '',
  });
  const [events, setEvents] = useState(undefined);
  const [next, setNext] = useState(undefined);
  const [error, setError] = useState(undefined);
  const set = (k) => (v) => setFilter((f) => ({ ...f, [k]: v }));

  const search = async (after) => {
    setError(undefined);
    const { eventName, accountId, requestId } = filter;
    setHashParams({ eventName, accountId, requestId });
    try {
      const page = await api(
        'GET',
        `/events${query({
          eventName: eventName.trim(),
          accountId: accountId.trim(),
          requestId: requestId.trim(),
          startTime: fromLocal(filter.startTime),
          endTime: fromLocal(filter.endTime),
          limit: PAGE,
          after,
        })}`,
      );
      setEvents((prior) => (after ? [...prior, ...page.events] : page.events));
      setNext(page.nextToken);
    } catch (err) {
      setError({ ok: false, text: `${err.code}: ${err.message}` });
    }
  };
  useEffect(() => {
    search();
  }, []);

  return html`
    <form
      class="toolbar"
      role="search"
      aria-label="Audit events"
      onSubmit=${(e) => {
        e.preventDefault();
        search();
      }}
    >
      <${Field}
        id="audit-event-name"
        label="Event name"
        value=${filter.eventName}
        onInput=${set('eventName')}
        list="event-names"
      />
      <datalist id="event-names">
        ${['MeterUsage', 'BatchMeterUsage', 'RegisterUsage', 'ResolveCustomer', 'GetEntitlements'].map((n) => html`<option value=${n} />`)}
      </datalist>
      <${Field}
        id="audit-account"
        label="Account id"
        value=${filter.accountId}
        onInput=${set('accountId')}
      />
      <${Field}
        id="audit-request-id"
        label="Request id"
        value=${filter.requestId}
        onInput=${set('requestId')}
      />
      <${Field}
        id="audit-start"
        label="From (UTC)"
        type="datetime-local"
        value=${filter.startTime}
        onInput=${set('startTime')}
      />
      <${Field}
        id="audit-end"
        label="To (UTC)"
        type="datetime-local"
        value=${filter.endTime}
        onInput=${set('endTime')}
      />
      <button type="submit">Search</button>
    </form>
    <${Status} status=${error} />
    ${
      events &&
      html` <${Table}
          caption=${`${events.length} event(s)${next ? ', more below' : ''}`}
          rowKey=${(e) => e.eventID}
          columns=${[
            ['Time', (e) => time(e.eventTime)],
            ['Event', (e) => e.eventName],
            ['Account', (e) => html`<code>${e.recipientAccountId}</code>`],
            [
              'Outcome',
              (e) =>
                e.errorCode
                  ? html`<span class="badge bad">${e.errorCode}</span>`
                  : html`<span class="badge ok">Success</span>`,
            ],
            ['Request id', (e) => html`<code class="request-id">${e.requestID}</code>`],
            ['CloudTrail', (e) => html`<${Json} value=${e} label=${`Event ${e.eventID}`} />`],
          ]}
          rows=${events}
          empty="No event matches."
        />
        ${next && html`<button type="button" onClick=${() => search(next)}>Load more</button>`}`
    }
  `;
}
