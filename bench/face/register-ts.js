// Lets plain `node -r ./bench/face/register-ts.js file.ts` run TypeScript sources with @swc/core
// (already a dev dependency), the same way the face worker bootstrap does under jest.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const swc = require('@swc/core');

const options = {
  sourceMaps: 'inline',
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    target: 'es2022',
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
  },
  module: { type: 'commonjs' },
};

Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), { ...options, filename });
  module._compile(code, filename);
};
