/** `dist/rastro-heatmaps.js`: the click-heatmap chunk of the script-tag build, loaded by the core when `heatmaps: true`. */
import { heatmaps } from '../plugins/heatmaps/heatmaps.js'
import { runChunk } from './run-chunk.js'

runChunk('heatmaps', heatmaps())
