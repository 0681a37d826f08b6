/**
 * The Salesforce emulator's public surface: start one (`ferry emulator`, tests, demos) and the
 * contracts its parts share.
 */
export { startEmulator, type EmulatorStartOptions, type RunningEmulator } from './server.js';
export type { OrgApi, OrgIdentity, SaveResult, SaveError } from './org/types.js';
export { OrgError } from './org/types.js';
export type { Route, EmuRequest, EmuResponse, EmulatorEnv } from './http/types.js';
export type { FaultSettings } from './http/faults.js';
