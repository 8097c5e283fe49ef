/**
 * The shop's backend: `POST /checkout` takes the cart, "charges" it, and reports the paid order to
 * Rastro as `Order Completed`, with the visitor's anonymous id, session, consent choice and Meta
 * cookies read from the request, so the server conversion joins the browser session, and reaches
 * ad platforms (matched by the Meta cookies) only when the visitor allowed marketing.
 */
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { orderCompleted, RastroNodeError } from '@rastro/node'

/**
 * @param {{ rastro: import('@rastro/node').Rastro, logger?: boolean }} options
 */
export function createApp({ rastro, logger = true }) {
  const app = Fastify({ logger })

  app.post('/checkout', async (request, reply) => {
    const { customerId, email, currency = 'EUR', items } = request.body ?? {}
    if (!Array.isArray(items) || items.length === 0) {
      return reply
        .code(400)
        .send({ error: 'items must be a non-empty array of { sku, name, price, quantity }' })
    }
    // A real shop charges the card here and only reports an order that was paid.
    const orderId = `o-${randomUUID().slice(0, 8)}`
    const ids = rastro.fromRequest(request)
    let order
    try {
      order = orderCompleted(
        {
          order_id: orderId,
          currency,
          products: items.map(({ sku, name, price, quantity }) => ({ sku, name, price, quantity })),
        },
        {
          ...ids,
          // A visitor without the browser SDK's cookie (e.g. curl) still needs an identity.
          ...(customerId ? { userId: customerId } : ids.anonymousId ? {} : { anonymousId: randomUUID() }),
          ...(email ? { traits: { email } } : {}),
          // Reporting the same order twice (a retried payment webhook) stores it once.
          messageId: `order-${orderId}`,
        },
      )
    } catch (error) {
      // The helper checks the cart as Meta and GA4 need it (a price that is not a number, a
      // currency that is not ISO 4217): the client's mistake, named by its field.
      if (error instanceof RastroNodeError && error.code === 'RASTRO_ERR_NODE_EVENT_INVALID')
        return reply.code(400).send({ error: error.message, field: error.field })
      throw error
    }
    const messageId = rastro.track(order)
    return {
      orderId,
      messageId,
      anonymousId: ids.anonymousId ?? null,
      sessionId: ids.context.sessionId ?? null,
    }
  })

  // Deliver what is queued before the process goes.
  app.addHook('onClose', () => rastro.shutdown())
  return app
}
