export type { Clock } from './clock.js';
export type { LeaseStore } from './lease-store.js';
