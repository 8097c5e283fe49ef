import shared from '../../eslint.config.js'

/**
 * Stage rule (shared/STYLE.md habit 1): a stage imports only from the stages before it
 * (config → ingest → log → store → forward → query) and from util/.
 */
const stages = ['config', 'ingest', 'log', 'store', 'forward', 'query']
const stageRules = stages.map((stage, i) => ({
  files: [`src/${stage}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: stages
          .slice(i + 1)
          .flatMap((later) => [
            { group: [`**/${later}/*`], message: `${stage}/ may not import from ${later}/ (a later stage)` },
          ]),
      },
    ],
  },
}))

export default [
  ...shared,
  ...stageRules,
  {
    files: ['src/util/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: stages.map((stage) => `**/${stage}/*`), message: 'util/ may not import from a stage' },
          ],
        },
      ],
    },
  },
]
