import { defineConfig } from 'tsup'

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // `@rastro/schema` is a devDependency: its few constants are bundled and its types inlined into
  // our .d.ts, so installing @rastro/node pulls in undici only (no zod, no schema package).
  dts: {
    compilerOptions: { rootDir: '..', paths: { '@rastro/schema/types': ['../schema/src/types-entry.ts'] } },
  },
  noExternal: [/^@rastro\/schema/],
  clean: true,
  sourcemap: true,
  target: 'node20',
})
