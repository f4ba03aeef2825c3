/*
 * `node -r ./bench/ingest/register.js file.ts`: TypeScript through bench/transport's swc hook,
 * plus the @kuzet/* aliases resolved the way tsconfig.json and jest resolve them.
 */
'use strict';
const path = require('node:path');
const Module = require('node:module');
require('../transport/swc-register.js');

const root = path.resolve(__dirname, '..', '..');
const resolve = Module._resolveFilename;
Module._resolveFilename = function resolveAlias(request, ...rest) {
  const alias = /^@kuzet\/([a-z-]+)(?:\/(.*))?$/.exec(request);
  const resolved = alias ? path.join(root, 'libs', alias[1], 'src', alias[2] ?? '') : request;
  return resolve.call(this, resolved, ...rest);
};
