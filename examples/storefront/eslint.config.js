import base from '../../eslint.config.js'

// The built pages and bundles sit beside the sources (see vite.config.ts).
export default [{ ignores: ['assets/**'] }, ...base]
