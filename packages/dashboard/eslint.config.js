import shared from '../../eslint.config.js'

export default [
  ...shared,
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', location: 'readonly', fetch: 'readonly' },
    },
  },
]
