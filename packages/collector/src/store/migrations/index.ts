/** Every migration, in order. Append new ones; never edit one that has shipped. */
import { createEvents } from './0001-create-events.js'

export const migrations = [createEvents]
