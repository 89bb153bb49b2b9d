/** A logger double that records what host metrics and span export log, for assertions. */
export interface Logged {
  level: 'info' | 'warn';
  obj: Record<string, unknown>;
  msg: string;
}

export function captureLogger(): { logged: Logged[]; info(obj: object, msg: string): void; warn(obj: object, msg: string): void } {
  const logged: Logged[] = [];
  return {
    logged,
    info: (obj, msg) => void logged.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
    warn: (obj, msg) => void logged.push({ level: 'warn', obj: obj as Record<string, unknown>, msg }),
  };
}
