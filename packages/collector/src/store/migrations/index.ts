/** Every migration, in order. Append new ones; never edit one that has shipped. */
import { createEvents } from './0001-create-events.js'
import { createDeviceTables } from './0040-create-device-tables.js'
import { createForwardLog } from './0050-create-forward-log.js'
import { createForwardLedger } from './0051-create-forward-ledger.js'
import { createForwardRetries } from './0052-create-forward-retries.js'
import { createForwardDeadLetters } from './0053-create-forward-dead-letters.js'

export const migrations = [
  createEvents,
  createDeviceTables,
  createForwardLog,
  createForwardLedger,
  createForwardRetries,
  createForwardDeadLetters,
]
