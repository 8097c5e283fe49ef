import type { ScoreServiceOptions } from '../scoring/create-score-service.js'
import type { WebhookSender } from './create-webhook-sender.js'

/** The score service's `onHotLead`: a `contact.hot_lead` webhook with the contact and its score. */
export function sendHotLeadWebhook(webhooks: WebhookSender): ScoreServiceOptions['onHotLead'] {
  return (db, contact, score) => {
    webhooks.emit(db, 'contact.hot_lead', {
      contact: {
        id: contact.id,
        email: contact.email,
        phone: contact.phone,
        firstName: contact.first_name,
        lastName: contact.last_name,
      },
      score,
    })
  }
}
