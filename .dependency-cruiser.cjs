// Architecture rules of Strata (house style: domain folders over ports, adapters
// chosen only in src/main). Run with `npm run arch`; test/architecture.test.ts runs the same
// rules inside `npm test` and adds the one check dependency-cruiser has no rule for: no cycles
// between top-level folders of src/.

/**
 * Test-support files inside src/: unit and integration tests, contract suites, shared case
 * files, test kits. A test file named otherwise still fails no-dev-deps-in-runtime (vitest is a
 * devDependency), so the exemption cannot hide one.
 */
const TEST_SUPPORT = '\\.(test|contract|cases|test-kit)\\.ts$';

/** Every adapter: Valkey, SQL, the memory doubles, the two object stores and the push providers. */
const ADAPTERS = [
  '^src/hot-tier/valkey/',
  '^src/store/sql/',
  '^src/hot-tier/memory-[^/]+\\.ts$',
  '^src/archive/local-object-store\\.ts$',
  '^src/archive/s3-object-store\\.ts$',
  '^src/push-providers/web-push-provider\\.ts$',
];

/** Runtime code in src/: everything except the test-support files. */
const RUNTIME = { path: '^src/', pathNot: [TEST_SUPPORT] };

const SERVER_SCHEMAS = '^src/(conversations|messages)/schemas\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-adapters-outside-main',
      comment:
        'Domain code (and ports, and the root files) depends on ports only; src/main is the one ' +
        'place that chooses an adapter from config, so swapping Valkey/SQL/S3 for the memory ' +
        'doubles or another server touches main only. Import the port (hot-tier.ts, fanout.ts, ' +
        'presence-store.ts, store/*.ts, archive/object-store.ts) and receive the adapter via deps.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main/', TEST_SUPPORT, ...ADAPTERS] },
      to: { path: ADAPTERS },
    },
    {
      name: 'no-cross-adapter-imports',
      comment:
        'An adapter talks to its own technology only (files of its own family: valkey/*, sql/*, ' +
        'memory-*); one adapter building on another would hide a second choice of technology ' +
        'outside src/main.',
      severity: 'error',
      from: {
        path: '^(src/hot-tier/valkey/|src/store/sql/|src/hot-tier/memory-|src/archive/local-object-store|src/archive/s3-object-store)',
        pathNot: [TEST_SUPPORT],
      },
      to: { path: ADAPTERS, pathNot: ['^$1'] },
    },
    {
      name: 'no-import-of-composition-root',
      comment:
        'src/main wires everything; anything importing it back would depend on every adapter ' +
        'and create a cycle through the whole tree.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/main/', TEST_SUPPORT] },
      to: { path: '^src/main/' },
    },
    {
      name: 'ws-is-transport-only',
      comment:
        'ws/ is transport (upgrade, framing, heartbeats, backpressure, close codes): it knows ' +
        'the fan-out port, errors, the HTTP error mapping and the message model, never a domain ' +
        '(conversations, messages, receipts, reactions, presence, workers, archive), the stores ' +
        'or the deps object. Domains register their WS handlers with it, not the other way round.',
      severity: 'error',
      from: { path: '^src/ws/', pathNot: [TEST_SUPPORT] },
      to: {
        path: '^src/',
        pathNot: ['^src/ws/', '^src/hot-tier/fanout\\.ts$', '^src/errors\\.ts$', '^src/http/', '^src/model/'],
      },
    },
    {
      name: 'no-circular',
      comment:
        'A module cycle (type-only imports included) means two modules are one design unit in ' +
        'two files, and at runtime it makes import order matter. Break it by moving the shared ' +
        'type or function into the lower of the two.',
      severity: 'error',
      from: { pathNot: [TEST_SUPPORT] },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-runtime',
      comment:
        'Runtime code must run from a production install: it never imports test/, bench/, nor ' +
        'a test-support file (*.test.ts, *.contract.ts, *.test-kit.ts), which may pull vitest ' +
        'and test servers in.',
      severity: 'error',
      from: RUNTIME,
      to: { path: ['^test/', '^bench/', TEST_SUPPORT] },
    },
    {
      name: 'no-dev-deps-in-runtime',
      comment:
        'A production install has no devDependencies: runtime code that imports one (vitest, ' +
        'playwright-core, socket.io, dependency-cruiser...) crashes there. Type-only imports are ' +
        'erased, so they may use dev types.',
      severity: 'error',
      from: RUNTIME,
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'sdk-imports-nothing-of-the-server',
      comment:
        'src/sdk is the published client (packages/client, @strata/client; exports "./client" of ' +
        'this package) and runs in browsers: it imports only its own files, so its compiled code ' +
        'and .d.ts need no server package. Its wire types are written out in sdk/types.ts; ' +
        'sdk/types.test.ts (a test file, exempt here) proves them equal to the server schemas.',
      severity: 'error',
      from: { path: '^src/sdk/', pathNot: [TEST_SUPPORT] },
      to: { path: '^src/', pathNot: ['^src/sdk/'] },
    },
    {
      name: 'sdk-no-dependencies',
      comment:
        'The client package has zero runtime dependencies and runs in browsers: no node: ' +
        'built-ins and no packages (TypeBox included, even for types: its .d.ts would then need ' +
        'it). The one exception is `ws`, its optional peer dependency, as the lazy (dynamic ' +
        'import) fallback when the runtime has no global WebSocket (Node 20).',
      severity: 'error',
      from: { path: '^src/sdk/', pathNot: [TEST_SUPPORT] },
      to: {
        dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-bundled', 'npm-no-pkg', 'npm-unknown'],
        pathNot: ['^node_modules/ws/'],
      },
    },
    {
      name: 'sdk-ws-lazy-only',
      comment: 'A static import of `ws` would break the client in browsers; keep it a dynamic import fallback.',
      severity: 'error',
      from: { path: '^src/sdk/', pathNot: [TEST_SUPPORT] },
      to: { path: '^node_modules/ws/', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'webapp-page-is-browser-code',
      comment:
        'src/webapp/page is bundled for the browser (own tsconfig, DOM lib): it talks to the ' +
        'server through the SDK only, and has no node: built-ins.',
      severity: 'error',
      from: { path: '^src/webapp/page/', pathNot: [TEST_SUPPORT] },
      to: { path: '^src/', pathNot: ['^src/webapp/page/', '^src/sdk/'] },
    },
    {
      name: 'webapp-page-no-node-builtins',
      comment: 'Browser code: node: built-ins do not exist there.',
      severity: 'error',
      from: { path: '^src/webapp/page/', pathNot: [TEST_SUPPORT] },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Probe files that test/architecture.test.ts writes for a moment to prove the rules fire;
    // excluded here so a concurrent `npm run arch` never sees them (the test lifts this).
    exclude: { path: '__arch_probe' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
