/**
 * @module @meterd/model: the form of a service model as data, and the base of modelled exceptions.
 * Each service's generated model is its own entry point (`@meterd/model/metering`).
 */
export type * from './shape.js';
export * from './service-exception.js';
