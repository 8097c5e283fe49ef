/**
 * The loader snippet, pasted inline in a page's <head> (minified: dist/snippet.min.js), then:
 *
 *   rastro.init({ writeKey: 'wk_…', host: 'https://t.example.com' })
 *
 * It defines `window.rastro` as a stub whose methods queue their calls in `rastro.q` and return
 * promises, and the first `init()` loads `<host>/rastro.js` async, which replays the queue
 * (src/iife.ts). Like analytics.js's snippet, it does nothing if `window.rastro` already exists.
 */
;(function (w, d, methods) {
  if (w.rastro) return
  var rastro = (w.rastro = { q: [] })
  methods.forEach(function (method) {
    rastro[method] = function () {
      var call = [method, [].slice.call(arguments)]
      rastro.q.push(call)
      if (method == 'init' && !rastro.l) {
        rastro.l = 1
        var script = d.createElement('script')
        script.async = true
        script.src = ((call[1][0] && call[1][0].host) || '').replace(/\/+$/, '') + '/rastro.js'
        d.head.appendChild(script)
      }
      return (
        w.Promise &&
        new w.Promise(function (resolve) {
          call.push(resolve)
        })
      )
    }
  })
  // `rastro.consent.set(choice)` is `rastro.consent(choice)`.
  rastro.consent.set = rastro.consent
})(window, document, [
  'init',
  'track',
  'page',
  'identify',
  'alias',
  'group',
  'reset',
  'consent',
  'optOut',
  'flush',
  'debug',
])
