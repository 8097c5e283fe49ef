/**
 * The `rastro` command as npm links it (`bin/rastro.js`, started by sh, which starts Node on it),
 * run as a child process: `rastro serve` until it listens, or any command to its end.
 */
import { spawn, type ChildProcess } from 'node:child_process'

export const rastroCommand = new URL('../../bin/rastro.js', import.meta.url).pathname

export interface ServingCommand {
  child: ChildProcess
  /** The address it listens on, from its start-up log line. */
  url: string
  /** Its exit code, once it exits. */
  exited: Promise<number | null>
}

/**
 * Starts `rastro serve` with `args` and `env` (its whole environment); resolves once it listens.
 * @throws Error with its output when it exits before listening.
 */
export async function startServing(args: string[], env: NodeJS.ProcessEnv): Promise<ServingCommand> {
  const child = spawn(rastroCommand, ['serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let output = ''
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /"address":"(http:\/\/[^"]+)"/.exec(output)
      if (match) resolve(match[1]!)
    })
    void exited.then((code) => reject(new Error(`rastro exited (${code}): ${output}`)))
  })
  return { child, url, exited }
}

/** Runs `rastro <args>` with `env` (its whole environment) to its end. */
export function runCommand(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(rastroCommand, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('exit', (code) => resolve({ code, stdout, stderr })),
  )
}
