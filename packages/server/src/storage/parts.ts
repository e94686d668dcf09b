/**
 * @module A Store assembled from a backend's parts: its catalog (catalog.ts), its usage
 * (usage.ts), its fault rules (faults.ts), its clock (clock.ts) and its notifications
 * (notifications.ts) answer their methods of the contract; the backend's store.ts adds the rest
 * (events, ping, close) and opens the database.
 */

import type { EventToStore } from '../audit/call.js';
import type { Store, UsageOutcome, UsageRecordRow } from './store.js';

/** The catalog, registration tokens, signing keys and task registrations. */
export type CatalogPart = Pick<
  Store,
  | 'getAccessKey'
  | 'getAccount'
  | 'getProduct'
  | 'getAgreement'
  | 'findAgreements'
  | 'findCustomerAgreements'
  | 'listAccounts'
  | 'listAccessKeys'
  | 'listProducts'
  | 'applyCatalog'
  | 'deleteAccessKey'
  | 'putRegistrationToken'
  | 'getRegistrationToken'
  | 'listSigningKeys'
  | 'rotateSigningKey'
  | 'isTaskRegistered'
  | 'registerTask'
>;

/** Usage records: deduplicated recording, report pages, the count and the usage report. */
export type UsagePart = Pick<Store, 'recordUsage' | 'listUsage' | 'countUsage' | 'reportUsage'>;

/** The fault rules (sqlite/faults.ts, postgres/faults.ts). */
export type FaultsPart = Pick<Store, 'getFaultRules' | 'updateFaultRules'>;

/** Notification targets and the outbox (sqlite/notifications.ts, postgres/notifications.ts). */
export type NotificationsPart = Pick<
  Store,
  | 'listNotificationTargets'
  | 'getNotificationTarget'
  | 'setNotificationTargetState'
  | 'claimNotifications'
  | 'settleNotification'
  | 'listNotifications'
  | 'snsSigning'
>;
/** The clock's offset (sqlite/clock.ts, postgres/clock.ts). */
export type ClockPart = Pick<Store, 'getClock' | 'updateClock'>;

/** Forwards the catalog's and the usage's methods to a backend's parts. */
export abstract class StoreOfParts implements Omit<
  Store,
  'dialect' | 'appendEvent' | 'listEvents' | 'ping' | 'writeStatus' | 'close'
> {
  protected abstract readonly catalog: CatalogPart;
  protected abstract readonly usage: UsagePart;
  protected abstract readonly faults: FaultsPart;
  protected abstract readonly notifications: NotificationsPart;
  protected abstract readonly clock: ClockPart;

  getAccessKey(id: string) {
    return this.catalog.getAccessKey(id);
  }
  getAccount(id: string) {
    return this.catalog.getAccount(id);
  }
  getProduct(code: string) {
    return this.catalog.getProduct(code);
  }
  getAgreement(licenseArn: string) {
    return this.catalog.getAgreement(licenseArn);
  }
  findAgreements(...a: Parameters<Store['findAgreements']>) {
    return this.catalog.findAgreements(...a);
  }
  findCustomerAgreements(...a: Parameters<Store['findCustomerAgreements']>) {
    return this.catalog.findCustomerAgreements(...a);
  }
  listAccounts() {
    return this.catalog.listAccounts();
  }
  listAccessKeys(accountId?: string) {
    return this.catalog.listAccessKeys(accountId);
  }
  listProducts() {
    return this.catalog.listProducts();
  }
  applyCatalog(...a: Parameters<Store['applyCatalog']>) {
    return this.catalog.applyCatalog(...a);
  }
  deleteAccessKey(id: string) {
    return this.catalog.deleteAccessKey(id);
  }
  putRegistrationToken(...a: Parameters<Store['putRegistrationToken']>) {
    return this.catalog.putRegistrationToken(...a);
  }
  getRegistrationToken(token: string) {
    return this.catalog.getRegistrationToken(token);
  }
  listSigningKeys() {
    return this.catalog.listSigningKeys();
  }
  rotateSigningKey(...a: Parameters<Store['rotateSigningKey']>) {
    return this.catalog.rotateSigningKey(...a);
  }
  isTaskRegistered(...a: Parameters<Store['isTaskRegistered']>) {
    return this.catalog.isTaskRegistered(...a);
  }
  registerTask(...a: Parameters<Store['registerTask']>) {
    return this.catalog.registerTask(...a);
  }
  recordUsage<T>(
    records: UsageRecordRow[],
    settle: (outcomes: UsageOutcome[]) => { value: T; event: EventToStore },
  ) {
    return this.usage.recordUsage(records, settle);
  }
  listUsage(...a: Parameters<Store['listUsage']>) {
    return this.usage.listUsage(...a);
  }
  countUsage() {
    return this.usage.countUsage();
  }
  reportUsage(...a: Parameters<Store['reportUsage']>) {
    return this.usage.reportUsage(...a);
  }
  getFaultRules() {
    return this.faults.getFaultRules();
  }
  updateFaultRules(...a: Parameters<Store['updateFaultRules']>) {
    return this.faults.updateFaultRules(...a);
  }
  listNotificationTargets() {
    return this.notifications.listNotificationTargets();
  }
  getNotificationTarget(id: string) {
    return this.notifications.getNotificationTarget(id);
  }
  setNotificationTargetState(...a: Parameters<Store['setNotificationTargetState']>) {
    return this.notifications.setNotificationTargetState(...a);
  }
  claimNotifications(...a: Parameters<Store['claimNotifications']>) {
    return this.notifications.claimNotifications(...a);
  }
  settleNotification(...a: Parameters<Store['settleNotification']>) {
    return this.notifications.settleNotification(...a);
  }
  listNotifications(...a: Parameters<Store['listNotifications']>) {
    return this.notifications.listNotifications(...a);
  }
  snsSigning(...a: Parameters<Store['snsSigning']>) {
    return this.notifications.snsSigning(...a);
  }
  getClock() {
    return this.clock.getClock();
  }
  updateClock(...a: Parameters<Store['updateClock']>) {
    return this.clock.updateClock(...a);
  }
}
