/**
 * @module meterd as a library: start the service in-process, or reach its parts.
 * @example
 * const server = await startServer({ port: 0, host: '127.0.0.1', dataDir: '.data', verifySignatures: true, logLevel: 'info' });
 * console.log(server.url, server.adminToken);
 * await server.close();
 */

export { startServer, type RunningServer, type ServeOptions } from './server.js';
export { buildApp, type AppOptions } from './http/app.js';
export type { BeforeOperation, Call } from './operations/dispatcher.js';
export { openStore, type OpenOptions } from './storage/open.js';
export type { Store } from './storage/store.js';
export { parseCatalogText, CatalogError, type CatalogDocument } from './catalog/document.js';
export * as errors from './protocol/errors.js';
