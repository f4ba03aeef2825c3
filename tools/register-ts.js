// Runs the TypeScript sources directly: `node -r ./tools/register-ts.js file.ts`. Compiles
// each .ts file with @swc/core (decorator metadata included, as Nest needs) and resolves the
// @kuzet/* path aliases of tsconfig.json to libs/*/src.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');

const root = join(__dirname, '..');
const options = JSON.parse(readFileSync(join(root, '.swcrc'), 'utf8'));
delete options.$schema;

Module._extensions['.ts'] = (module, filename) => {
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    ...options,
    filename,
    swcrc: false,
  });
  module._compile(code, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveKuzetAlias(request, ...rest) {
  const alias = /^@kuzet\/([a-z-]+)(\/.*)?$/.exec(request);
  const target = alias ? join(root, 'libs', alias[1], 'src', alias[2] ?? '') : request;
  return resolveFilename.call(this, target, ...rest);
};
