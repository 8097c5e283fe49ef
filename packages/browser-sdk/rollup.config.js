// Three browser builds: ESM for bundlers (idb-keyval external), the minified IIFE for <script>, and the loader snippet.
// Terser mangles `_`-prefixed properties (private by convention) in the SDK builds.
import nodeResolve from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import typescript from '@rollup/plugin-typescript'

/** Browsers with ES2020 (Chrome 80, Firefox 74, Safari 13.1). */
const target = 'ES2020'

const plugins = (module) => [
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
  }),
]

export default [
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.js', format: 'es', sourcemap: true },
    // A dependency, left for the site's bundler to resolve (and share with other packages).
    external: ['idb-keyval'],
    plugins: plugins(true),
  },
  {
    input: 'src/iife.ts',
    output: { file: 'dist/rastro.js', format: 'iife', sourcemap: true },
    plugins: plugins(false),
  },
  {
    input: 'src/snippet.js',
    output: { file: 'dist/snippet.min.js', format: 'es' },
    treeshake: false,
    plugins: [terser({ ecma: 5, compress: { passes: 2 } })],
  },
]
