export { SystemClock } from './system-clock.js';
export { ManualClock } from './manual-clock.js';
export { abortableDelay } from './abortable-delay.js';
//# sourceMappingURL=index.js.map