// Browser builds: ESM for bundlers (idb-keyval and web-vitals external), the minified IIFE for
// <script> with its lazily loaded chunks (Core Web Vitals, heatmaps), and the loader snippet.
// Terser mangles `_`-prefixed properties (private by convention) in the SDK builds; the IIFE and
// its chunks share one name cache, so a chunk's `api._track` is the core's. Rollup builds the
// configs in order, core first.
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'

/** Browsers with ES2020 (Chrome 80, Firefox 74, Safari 13.1). */
const target = 'ES2020'

/** Terser's names for the script-tag core and its chunks (filled by the core's build). */
const scriptNames = {}

const plugins = (module, nameCache) => [
  // Only `@rastro/schema/types` is resolved, for its limits (plain constants, no zod).
  nodeResolve(),
  typescript({
    tsconfig: './tsconfig.build.json',
    compilerOptions: {
      target,
      module: 'ESNext',
      moduleResolution: 'Bundler',
      declaration: false,
      emitDeclarationOnly: false,
      sourceMap: true,
      outDir: 'dist',
    },
  }),
  terser({
    module,
    ecma: 2020,
    compress: { passes: 3, unsafe_arrows: true },
    mangle: { properties: { regex: /^_/ } },
    nameCache,
  }),
]

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.js', format: 'es', sourcemap: true },
    // Dependencies, left for the site's bundler to resolve (and share with other packages);
    // web-vitals is dropped unless `vitals()` is used.
    external: ['idb-keyval', 'web-vitals'],
    plugins: plugins(true),
  },
  {
    input: 'src/iife.ts',
    output: { file: 'dist/rastro.js', format: 'iife', sourcemap: true },
    plugins: plugins(false, scriptNames),
  },
  ...['vitals', 'heatmaps'].map((name) => ({
    input: `src/chunks/${name}.ts`,
    output: { file: `dist/rastro-${name}.js`, format: 'iife', sourcemap: true },
    plugins: plugins(false, scriptNames),
  })),
  {
    input: 'src/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es' },
    treeshake: false,
    plugins: [terser({ ecma: 5, compress: { passes: 2 } })],
  },
]
