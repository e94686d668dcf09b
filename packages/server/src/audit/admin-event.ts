/**
 * @module Audit events of meterd's own admin API (a change AWS has no counterpart of, such as
 * setting the clock): in CloudTrail's shape, from the event source `admin.meterd`, by the
 * admin (`userIdentity.type` `Unknown`, `userName` `meterd-admin`), in the account
 * `000000000000`, which no AWS account has, so that they are never taken for a seller's calls.
 */

import { newTimeOrderedId } from '../domain/identifiers.js';
import { eventTimeOf, type AuditEvent } from './event.js';

export const ADMIN_EVENT_SOURCE = 'admin.meterd';
export const ADMIN_ACCOUNT_ID = '000000000000';

/** Who made an admin change and from where: the admin request's own details. */
export interface AdminCall {
  requestId: string;
  sourceIp: string;
  userAgent: string;
  region: string;
}

/**
 * Builds the event of one admin change, at `eventTime` (the clock's time), keeping `realTime`.
 * @example buildAdminEvent(call, 'SetClock', { advanceSeconds: 60 }, { now, realTime, additional: { before, after } })
 */
export function buildAdminEvent(
  call: AdminCall,
  eventName: string,
  request: unknown,
  at: { eventTime: Date; realTime: Date; additional?: Record<string, unknown> },
): AuditEvent {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'Unknown', principalId: 'meterd-admin', userName: 'meterd-admin' },
    eventTime: eventTimeOf(at.eventTime),
    eventSource: ADMIN_EVENT_SOURCE,
    eventName,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp,
    userAgent: call.userAgent,
    requestParameters: request,
    responseElements: null,
    additionalEventData: { ...at.additional, realEventTime: eventTimeOf(at.realTime) },
    requestID: call.requestId,
    eventID: newTimeOrderedId(at.eventTime.getTime()),
    readOnly: false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ADMIN_ACCOUNT_ID,
    eventCategory: 'Management',
  };
}
