/**
 * Selection's defaults and checks live in the options layer (src/options.ts), one place with the
 * other ranges and defaults; re-exported here for the selection modules.
 */
export { SELECT_DEFAULTS, binsForRows, checkNumber, inUnitClosed, inUnitOpen, positiveInt, thetaFor } from '../options.js';
