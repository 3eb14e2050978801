/**
 * Index of the code-level modules, split by responsibility: ./coding.ts (values → codes),
 * ./plugin.ts (the plug-in entropy / MI / CMI engine over codes), ./units.ts (nats ↔ bits) and
 * ./random.ts (a seeded generator). Import from those; this index stays so that modules and
 * tests still naming `analysis/codes.js` keep working.
 */
export * from './coding.js';
export * from './plugin.js';
export * from './units.js';
export * from './random.js';
