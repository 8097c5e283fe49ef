#!/usr/bin/env node
// Committed entry point, so npm links the `rastro-crm` command at install, before the first build.
import '../dist/cli.js'
