/** A page view as the browser SDK sends it, one hour ago (inside the analytics' default range). */
export function pageView(messageId: string, anonymousId: string, path: string) {
  return {
    type: 'page',
    messageId,
    anonymousId,
    timestamp: new Date(Date.now() - 3_600_000).toISOString(),
    context: { sessionId: `s-${anonymousId}`, page: { url: `https://shop.example${path}`, path } },
    properties: { path, url: `https://shop.example${path}` },
  }
}
