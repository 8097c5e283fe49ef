/**
 * A stable CSS selector for an element, so clicks on the same element group together across
 * visits: the nearest ancestor id (`#buy`), then `tag:nth-of-type(n)` steps down to the element
 * (`#cart>ul>li:nth-of-type(2)>button`), or from `body` when no ancestor has an id. Ids that
 * contain digits look generated (React's `:r1:`, `ember123`) and are skipped.
 */

/** Longest selector kept (characters); the deepest steps are kept. */
export const MAX_SELECTOR_LENGTH = 200

export function getSelector(el: Element): string {
  const steps: string[] = []
  for (let node: Element | null = el; node && node.tagName != 'BODY' && node.tagName != 'HTML';) {
    const id = node.getAttribute('id')
    if (id && /^[A-Za-z_-][\w-]*$/.test(id) && !/\d/.test(id)) {
      steps.unshift('#' + id)
      return steps.join('>').slice(-MAX_SELECTOR_LENGTH)
    }
    const tag = node.tagName.toLowerCase()
    const parent: Element | null = node.parentElement
    let step = tag
    if (parent) {
      const same = Array.from(parent.children).filter((child) => child.tagName == node!.tagName)
      if (same.length > 1) step += `:nth-of-type(${same.indexOf(node) + 1})`
    }
    steps.unshift(step)
    node = parent
  }
  steps.unshift('body')
  return steps.join('>').slice(-MAX_SELECTOR_LENGTH)
}
