export * from './ferry-error.js';
export * from './salesforce-errors.js';
