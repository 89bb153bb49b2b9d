/**
 * Runs Prometheus for the demo as a child of a node process, so the demo's one way of stopping its
 * servers (exit-with-parent.ts turns the end of stdin into SIGTERM) stops Prometheus too, even when
 * the demo itself was killed outright. Usage: node prometheus-runner.js <prometheus> [args...]
 */
import { spawn } from 'node:child_process';

const [binary, ...args] = process.argv.slice(2);
const child = spawn(binary, args, { stdio: ['ignore', 'inherit', 'inherit'] });
const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
process.on('SIGTERM', forward('SIGTERM'));
process.on('SIGINT', forward('SIGINT'));
child.on('error', (err) => {
  process.stderr.write(`prometheus did not start: ${err.message}\n`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)));
