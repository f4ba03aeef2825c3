/**
 * The shape of the monorepo, enforced by `npm run lint` (dependency-cruiser):
 * - libs in layers, every import pointing to a lower layer (never sideways or up);
 * - no cycles;
 * - no app importing another app (apps/standalone, the all-in-one composition, excepted);
 * - no import into another lib's internals: only its index (and @kuzet/contracts/testing).
 * tools/dependency-rules.spec.ts plants one violation of each and sees it refused.
 */
const LAYERS = [
  ['config', 'contracts', 'http', 'observability', 'persistence'],
  ['audit-log', 'evidence', 'face', 'messaging', 'reporting'],
  ['auth', 'registry'],
  ['vehicles', 'watchlist'],
  ['platform'],
];

const layerRules = LAYERS.flatMap((libs, layer) => {
  const notBelow = LAYERS.slice(layer).flat();
  return libs.map((lib) => ({
    name: 'lib-layers',
    comment: `libs/${lib} (layer ${layer}) may import only libs of lower layers`,
    severity: 'error',
    from: { path: `^libs/${lib}/` },
    to: { path: `^libs/(${notBelow.filter((other) => other !== lib).join('|')})/` },
  }));
});

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^(apps|libs)/' },
      to: { circular: true },
    },
    {
      name: 'no-app-to-app',
      comment: 'an app uses libs, never another app (apps/standalone composes them all)',
      severity: 'error',
      from: { path: '^apps/([^/]+)/', pathNot: ['^apps/standalone/', '\\.spec\\.ts$'] },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'no-lib-to-app',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'no-deep-lib-import',
      comment: "another lib's internals: import its index (@kuzet/<lib>) instead",
      severity: 'error',
      from: { path: '^(apps|libs/([^/]+))/', pathNot: '\\.spec\\.ts$' },
      to: {
        path: '^libs/([^/]+)/src/',
        pathNot: [
          '^libs/$2/',
          '^libs/[^/]+/src/index\\.ts$',
          '^libs/contracts/src/testing/index\\.ts$',
        ],
      },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: {
      path: ['node_modules', '^dist/', 'libs/contracts/src/gen/', 'apps/ops-center/web/'],
    },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
