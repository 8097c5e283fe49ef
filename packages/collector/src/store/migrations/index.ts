/** Every migration, in order. Append new ones; never edit one that has shipped. */
import { createEvents } from './0001-create-events.js'
import { createDeviceTables } from './0040-create-device-tables.js'

export const migrations = [createEvents, createDeviceTables]
