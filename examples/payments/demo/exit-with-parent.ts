/**
 * Preloaded (`--require`) into each of the demo's servers: when the demo goes away — its terminal
 * closed, or it was killed outright, so it never got to stop them — the server stops too, rather
 * than holding its port and failing the next `npm run demo` with "port in use". The demo holds
 * the write end of this process's stdin; the kernel closes it however the demo ends, and the end
 * of stdin turns into the server's own graceful SIGTERM. (SIGHUP cannot do this job: the
 * sidecar takes it as "reload the config".)
 */
const stdin = process.stdin as NodeJS.ReadStream & { unref?: () => void };
const stop = () => process.kill(process.pid, 'SIGTERM');
stdin.once('end', stop);
stdin.once('error', stop);
stdin.resume();
// Watching stdin must not be what keeps a server alive once it has stopped on its own.
stdin.unref?.();
