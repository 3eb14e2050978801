// `require('metricsift')`: the package is an ES module. Node versions with require(esm) (20.19+,
// 22.12+) load it here; older ones get a message that says what to do instead of a cryptic code.
try {
  module.exports = require('./index.js');
} catch (e) {
  const code = (e as { code?: string }).code;
  if (code === 'ERR_REQUIRE_ESM' || code === 'ERR_REQUIRE_ASYNC_MODULE') {
    throw new Error(
      "metricsift is an ES module: use `import { … } from 'metricsift'` (or `const m = await import('metricsift')` from CommonJS); " +
        `this Node.js (${process.version}) cannot require() it (${code})`,
    );
  }
  throw e;
}
