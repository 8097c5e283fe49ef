/** `dist/rastro-vitals.js`: the Core Web Vitals chunk of the script-tag build, loaded by the core. */
import { vitals } from '../plugins/vitals/vitals.js'
import { runChunk } from './run-chunk.js'

runChunk('vitals', vitals())
