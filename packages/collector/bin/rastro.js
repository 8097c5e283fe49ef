#!/usr/bin/env node
// Committed entry point, so npm links the `rastro` command at install, before the first build.
import '../dist/cli.js'
